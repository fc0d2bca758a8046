use crate::site::SiteInfo;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

/// Title, description and canonical URL for one page, absolute against
/// `PUBLIC_URL`; on pages meant to be found and shared, the Open Graph /
/// Twitter card tags too.
#[component]
pub fn PageMeta(
    title: &'static str,
    description: &'static str,
    /// The page's path, e.g. `/pricing`.
    path: &'static str,
    /// Pages that must not appear in search results (errors, private pages).
    /// They get no sharing card either: a link preview service fetches them
    /// signed out, so it sees the sign-in page's card, never theirs.
    #[prop(optional)]
    noindex: bool,
) -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    let url = site.absolute_url(path);
    let head = view! {
        <Title text=title />
        <Meta name="description" content=description />
        <Link rel="canonical" href=url.clone() />
    };
    if noindex {
        return view! {
            {head}
            <Meta name="robots" content="noindex" />
        }
        .into_any();
    }
    let image = site.absolute_url("/og-image.png");
    view! {
        {head}
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content="Tracepipe" />
        <Meta property="og:title" content=title />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=url />
        <Meta property="og:image" content=image.clone() />
        <Meta property="og:image:width" content="1200" />
        <Meta property="og:image:height" content="630" />
        <Meta
            property="og:image:alt"
            content="Tracepipe: browser recordings in, JSONL training data out"
        />
        <Meta name="twitter:card" content="summary_large_image" />
        <Meta name="twitter:title" content=title />
        <Meta name="twitter:description" content=description />
        <Meta name="twitter:image" content=image />
    }
    .into_any()
}
