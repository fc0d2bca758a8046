//! Building blocks shared by every capability's pages.

pub mod copy_button;
pub mod form;
pub mod layout;
pub mod page_meta;

pub use copy_button::CopyButton;
pub use form::{FormField, SubmitButton};
pub use layout::{SiteFooter, SiteHeader, SkipLink};
pub use page_meta::PageMeta;
