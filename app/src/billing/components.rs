use crate::catalog::PlanSummary;
use leptos::prelude::*;

/// One plan as a card: name, price, cadence, tagline and features. The call
/// to action (if any) is passed as children so each page decides it.
#[component]
pub fn PlanCard(
    plan: PlanSummary,
    /// Display price from `PublicCatalog::price_label`, e.g. "$49".
    price: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let heading_id = format!("plan-{}", plan.id);
    view! {
        <article
            class="plan-card"
            class:plan-card--highlighted=plan.highlighted
            aria-labelledby=heading_id.clone()
        >
            <h3 id=heading_id.clone()>{plan.name.clone()}</h3>
            {plan.highlighted.then(|| view! { <p class="plan-badge">"Most popular"</p> })}
            <p class="plan-price">
                <span class="plan-amount">{price}</span>
                " "
                <span class="plan-cadence">{plan.cadence_label()}</span>
            </p>
            <p class="plan-tagline">{plan.tagline.clone()}</p>
            <ul class="plan-features">
                {plan.features.iter().map(|feature| view! { <li>{feature.clone()}</li> }).collect_view()}
            </ul>
            {children.map(|children| children())}
        </article>
    }
}
