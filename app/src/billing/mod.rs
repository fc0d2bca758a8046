//! Billing: the plan catalog now; checkout, status and the portal build on it.

pub mod catalog;
pub mod components;
