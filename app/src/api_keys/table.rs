//! How `/keys` lists keys: filtered by status, sorted by a column, 50 to a
//! page, one row open with its details or one of its forms. All of it is in
//! the address (`/keys?status=disabled&sort=name&page=2&open=…&panel=roll`),
//! so every link works without JavaScript, a view can be bookmarked, and
//! with JavaScript the same links re-render the table in place.

use super::{ApiKeyView, Expiry};
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Rows on one page of the table.
pub const PAGE_SIZE: usize = 50;

/// What a key's badge says, and what the table filters by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    ExpiringSoon,
    Disabled,
    Expired,
}

impl KeyStatus {
    pub const ALL: [KeyStatus; 4] = [
        Self::Active,
        Self::ExpiringSoon,
        Self::Disabled,
        Self::Expired,
    ];

    pub fn of(key: &ApiKeyView) -> Self {
        if key.disabled {
            Self::Disabled
        } else if matches!(key.expiry, Expiry::Expired { .. }) {
            Self::Expired
        } else if key.expiry.is_soon() {
            Self::ExpiringSoon
        } else {
            Self::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::ExpiringSoon => "Expires soon",
            Self::Disabled => "Disabled",
            Self::Expired => "Expired",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            Self::Active => "badge badge--ok",
            Self::ExpiringSoon => "badge badge--warn",
            Self::Disabled => "badge badge--muted",
            Self::Expired => "badge badge--danger",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::ExpiringSoon => "expiring",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
        }
    }
}

/// The columns the table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Created,
    LastUsed,
    Expires,
}

impl SortBy {
    fn slug(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created",
            Self::LastUsed => "last_used",
            Self::Expires => "expires",
        }
    }

    /// Names read A to Z first; dates newest first, except expiry, which
    /// is most useful soonest first.
    fn descending_first(self) -> bool {
        matches!(self, Self::Created | Self::LastUsed)
    }

    fn compare(self, a: &ApiKeyView, b: &ApiKeyView) -> Ordering {
        match self {
            Self::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            Self::Created => a.created.iso.cmp(&b.created.iso),
            // Never used sorts as the oldest use.
            Self::LastUsed => {
                let used = |key: &ApiKeyView| key.last_used.as_ref().map(|date| date.iso.clone());
                used(a).cmp(&used(b))
            }
            Self::Expires => expires_at(a).cmp(&expires_at(b)),
        }
    }
}

/// When a key stops working, for sorting: a key that never expires last.
fn expires_at(key: &ApiKeyView) -> (bool, &str) {
    match &key.expiry {
        Expiry::Never => (true, ""),
        Expiry::On { date, .. } | Expiry::Expired { date } => (false, date.iso.as_str()),
    }
}

/// What an open row shows under its facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Roll,
    Networks,
    Revoke,
}

impl Panel {
    fn slug(self) -> &'static str {
        match self {
            Self::Roll => "roll",
            Self::Networks => "networks",
            Self::Revoke => "revoke",
        }
    }
}

/// The table as the address asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableView {
    /// None: every key.
    pub status: Option<KeyStatus>,
    pub sort: SortBy,
    pub descending: bool,
    /// From 1.
    pub page: usize,
    /// The key whose row is open.
    pub open: Option<String>,
    pub panel: Option<Panel>,
}

impl Default for TableView {
    /// Every key, newest first.
    fn default() -> Self {
        Self {
            status: None,
            sort: SortBy::Created,
            descending: true,
            page: 1,
            open: None,
            panel: None,
        }
    }
}

impl TableView {
    /// The view `query` names; anything it does not name (or names wrongly)
    /// stays as by default.
    pub fn from_query(query: &ParamsMap) -> Self {
        let default = Self::default();
        let sort = query
            .get_str("sort")
            .and_then(|slug| {
                [
                    SortBy::Name,
                    SortBy::Created,
                    SortBy::LastUsed,
                    SortBy::Expires,
                ]
                .into_iter()
                .find(|sort| sort.slug() == slug)
            })
            .unwrap_or(default.sort);
        let descending = match query.get_str("order") {
            Some("asc") => false,
            Some("desc") => true,
            _ => sort.descending_first(),
        };
        let open = query.get_str("open").map(str::to_owned);
        Self {
            status: query.get_str("status").and_then(|slug| {
                KeyStatus::ALL
                    .into_iter()
                    .find(|status| status.slug() == slug)
            }),
            sort,
            descending,
            page: query
                .get_str("page")
                .and_then(|page| page.parse().ok())
                .filter(|page| *page >= 1)
                .unwrap_or(1),
            panel: open.as_ref().and(query.get_str("panel").and_then(|slug| {
                [Panel::Roll, Panel::Networks, Panel::Revoke]
                    .into_iter()
                    .find(|panel| panel.slug() == slug)
            })),
            open,
        }
    }

    /// What the server lists for this view (the filter, the order and the
    /// page, not the open row), as a query string.
    pub fn list_query(&self) -> String {
        self.closed().query().join("&")
    }

    /// The view a `list_query` names.
    pub fn from_list_query(query: &str) -> Self {
        let mut params = ParamsMap::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.insert(name.to_owned(), value.to_owned());
        }
        Self::from_query(&params).closed()
    }

    fn query(&self) -> Vec<String> {
        let mut query = Vec::new();
        if let Some(status) = self.status {
            query.push(format!("status={}", status.slug()));
        }
        if self.sort != SortBy::Created || !self.descending {
            query.push(format!("sort={}", self.sort.slug()));
            if self.descending != self.sort.descending_first() {
                query.push(format!(
                    "order={}",
                    if self.descending { "desc" } else { "asc" }
                ));
            }
        }
        if self.page > 1 {
            query.push(format!("page={}", self.page));
        }
        if let Some(open) = &self.open {
            query.push(format!("open={}", crate::components::query_value(open)));
            if let Some(panel) = self.panel {
                query.push(format!("panel={}", panel.slug()));
            }
        }
        query
    }

    /// This view's address, with a row's anchor when one is open.
    pub fn href(&self) -> String {
        let query = self.query();
        let mut href = "/keys".to_owned();
        if !query.is_empty() {
            href.push('?');
            href.push_str(&query.join("&"));
        }
        if let Some(open) = &self.open {
            href.push_str(&format!("#{}", row_id(open)));
        }
        href
    }

    /// Filtered by `status` from the first page.
    pub fn with_status(&self, status: Option<KeyStatus>) -> Self {
        Self {
            status,
            page: 1,
            open: None,
            panel: None,
            ..self.clone()
        }
    }

    /// Sorted by `sort`: again by the same column turns the order around.
    pub fn sorted_by(&self, sort: SortBy) -> Self {
        let descending = if sort == self.sort {
            !self.descending
        } else {
            sort.descending_first()
        };
        Self {
            sort,
            descending,
            page: 1,
            open: None,
            panel: None,
            ..self.clone()
        }
    }

    pub fn on_page(&self, page: usize) -> Self {
        Self {
            page,
            open: None,
            panel: None,
            ..self.clone()
        }
    }

    /// `key`'s row open, showing `panel` (None: its facts only).
    pub fn opened(&self, key: &str, panel: Option<Panel>) -> Self {
        Self {
            open: Some(key.to_owned()),
            panel,
            ..self.clone()
        }
    }

    pub fn closed(&self) -> Self {
        Self {
            open: None,
            panel: None,
            ..self.clone()
        }
    }

    /// The keys on this view's page, in its order, and how many pages
    /// the filtered keys fill (at least one; a page past the last shows
    /// the last).
    pub fn page_of(&self, mut keys: Vec<ApiKeyView>) -> Page {
        let mut counts = vec![(None, keys.len())];
        counts.extend(KeyStatus::ALL.map(|status| {
            let count = keys
                .iter()
                .filter(|key| KeyStatus::of(key) == status)
                .count();
            (Some(status), count)
        }));
        keys.retain(|key| {
            self.status
                .is_none_or(|status| KeyStatus::of(key) == status)
        });
        keys.sort_by(|a, b| {
            let order = self.sort.compare(a, b).then_with(|| a.id.cmp(&b.id));
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
        let matching = keys.len();
        let pages = matching.div_ceil(PAGE_SIZE).max(1);
        let page = self.page.min(pages);
        let rows = keys
            .into_iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
        Page {
            rows,
            number: page,
            pages,
            matching,
            counts,
        }
    }
}

/// One page of the table, as the server lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<ApiKeyView>,
    /// From 1.
    pub number: usize,
    pub pages: usize,
    /// Keys that pass the filter, on every page.
    pub matching: usize,
    /// Keys of each status (None: every key), before the filter.
    pub counts: Vec<(Option<KeyStatus>, usize)>,
}

impl Page {
    /// Every key, whatever the filter.
    pub fn total(&self) -> usize {
        self.counts.first().map_or(0, |(_, count)| *count)
    }
}

/// The id of a key's row: the target of its links.
pub fn row_id(key: &str) -> String {
    format!("key-{key}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date_label::DateLabel;
    use crate::permissions::Permissions;

    fn key(id: &str, name: &str, created: &str, expiry: Expiry, disabled: bool) -> ApiKeyView {
        let date = |iso: &str| DateLabel {
            iso: iso.to_owned(),
            text: iso.to_owned(),
            short: iso.to_owned(),
        };
        ApiKeyView {
            id: id.to_owned(),
            name: name.to_owned(),
            masked: format!("tp_live_sk_{id}"),
            created: date(created),
            last_used: None,
            last_used_address: None,
            permissions: Permissions::Full,
            expiry,
            disabled,
            allowed_networks: Vec::new(),
            previous: None,
        }
    }

    fn query(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut query = ParamsMap::new();
        for (name, value) in pairs {
            query.insert((*name).to_owned(), (*value).to_owned());
        }
        query
    }

    fn names(page: &Page) -> Vec<&str> {
        page.rows.iter().map(|key| key.name.as_str()).collect()
    }

    #[test]
    fn the_default_view_is_every_key_newest_first_at_a_clean_address() {
        let view = TableView::from_query(&ParamsMap::new());
        assert_eq!(view, TableView::default());
        assert_eq!(view.href(), "/keys");
        let keys = vec![
            key("a", "old", "2026-01-01T00:00:00Z", Expiry::Never, false),
            key("b", "new", "2026-06-01T00:00:00Z", Expiry::Never, true),
        ];
        assert_eq!(names(&view.page_of(keys)), ["new", "old"]);
    }

    #[test]
    fn a_view_survives_its_own_address() {
        let view = TableView::default()
            .with_status(Some(KeyStatus::Disabled))
            .sorted_by(SortBy::Name)
            .sorted_by(SortBy::Name)
            .on_page(3)
            .opened("k1", Some(Panel::Revoke));
        let href = view.href();
        assert_eq!(
            href,
            "/keys?status=disabled&sort=name&order=desc&page=3&open=k1&panel=revoke#key-k1"
        );
        let (_, query) = href.split_once('?').unwrap();
        let query = query.split('#').next().unwrap();
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                (name.to_owned(), value.to_owned())
            })
            .collect();
        let parsed = TableView::from_query(&query_of(&pairs));
        assert_eq!(parsed, view);
        assert_eq!(
            view.list_query(),
            "status=disabled&sort=name&order=desc&page=3"
        );
        assert_eq!(
            TableView::from_list_query(&view.list_query()),
            view.closed()
        );
        assert_eq!(TableView::from_list_query(""), TableView::default());
    }

    fn query_of(pairs: &[(String, String)]) -> ParamsMap {
        let mut query = ParamsMap::new();
        for (name, value) in pairs {
            query.insert(name.clone(), value.clone());
        }
        query
    }

    #[test]
    fn wrong_values_in_the_address_fall_back_to_the_default() {
        let view = TableView::from_query(&query(&[
            ("status", "everything"),
            ("sort", "colour"),
            ("page", "0"),
            ("panel", "roll"),
        ]));
        assert_eq!(view, TableView::default(), "a panel needs an open row");
    }

    #[test]
    fn filters_by_status_and_pages_by_fifty() {
        let mut keys: Vec<ApiKeyView> = (0..120)
            .map(|n| {
                key(
                    &format!("{n:03}"),
                    &format!("key {n:03}"),
                    &format!("2026-01-01T00:{:02}:{:02}Z", n / 60, n % 60),
                    Expiry::Never,
                    n % 2 == 0,
                )
            })
            .collect();
        keys.push(key(
            "x",
            "gone",
            "2026-01-01T00:00:00Z",
            Expiry::Expired {
                date: DateLabel {
                    iso: "2026-02-01T00:00:00Z".into(),
                    text: String::new(),
                    short: String::new(),
                },
            },
            false,
        ));
        let all = TableView::default().page_of(keys.clone());
        assert_eq!((all.matching, all.pages, all.rows.len()), (121, 3, 50));
        let last = TableView::default().on_page(9).page_of(keys.clone());
        assert_eq!(
            (last.number, last.rows.len()),
            (3, 21),
            "past the end: the last page"
        );
        let disabled = TableView::default()
            .with_status(Some(KeyStatus::Disabled))
            .page_of(keys.clone());
        assert_eq!((disabled.matching, disabled.pages), (60, 2));
        assert_eq!(disabled.total(), 121, "counted before the filter");
        assert_eq!(
            disabled.counts[1..],
            [
                (Some(KeyStatus::Active), 60),
                (Some(KeyStatus::ExpiringSoon), 0),
                (Some(KeyStatus::Disabled), 60),
                (Some(KeyStatus::Expired), 1)
            ]
        );
        let expired = TableView::default()
            .with_status(Some(KeyStatus::Expired))
            .page_of(keys);
        assert_eq!(names(&expired), ["gone"]);
    }

    #[test]
    fn sorting_again_by_a_column_turns_it_around() {
        let keys = vec![
            key("1", "beta", "2026-01-02T00:00:00Z", Expiry::Never, false),
            key("2", "Alpha", "2026-01-01T00:00:00Z", Expiry::Never, false),
            key("3", "gamma", "2026-01-03T00:00:00Z", Expiry::Never, false),
        ];
        let by_name = TableView::default().sorted_by(SortBy::Name);
        assert_eq!(
            names(&by_name.page_of(keys.clone())),
            ["Alpha", "beta", "gamma"]
        );
        assert_eq!(
            names(&by_name.sorted_by(SortBy::Name).page_of(keys)),
            ["gamma", "beta", "Alpha"]
        );
    }
}
