//! Building blocks shared by every capability's pages.

pub mod copy_button;
pub mod form;
pub mod loaded;
pub mod modal_dialog;
pub mod notice;
pub mod page_meta;

pub use copy_button::CopyButton;
pub use form::{FieldMessage, FormError, FormField, FormState, ServerForm, SubmitButton};
pub use loaded::{Loaded, RetryNotice};
pub use modal_dialog::ModalDialog;
pub use notice::{NOTICE_PARAMETERS, NOTICE_SUBJECT, Notice, PageNotice};
pub use page_meta::PageMeta;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Left as they are in a query value: the unreserved characters, and `/` so
/// that `?next=/keys` stays readable.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// `text` percent-encoded for use as one query value, e.g. a `next` path.
pub fn query_value(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::query_value;

    #[test]
    fn a_query_value_keeps_its_path_readable_and_cannot_add_parameters() {
        assert_eq!(query_value("/keys"), "/keys");
        assert_eq!(
            query_value("/usage?x=1&y=é #"),
            "/usage%3Fx%3D1%26y%3D%C3%A9%20%23"
        );
    }
}
