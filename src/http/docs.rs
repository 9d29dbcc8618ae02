//! The Swagger UI page at `/docs`.
//!
//! poem-openapi's built-in page has no way to set `persistAuthorization`,
//! so we take its offline HTML and inject the option, keeping a person's
//! authorisation across reloads.
const ANCHOR: &str = "deepLinking: true,";

/// The page, or `None` if poem-openapi's HTML no longer contains the line
/// the option is injected after (a test catches that on upgrade).
pub fn swagger_page(html: &str) -> Option<String> {
    html.contains(ANCHOR).then(|| {
        html.replacen(
            ANCHOR,
            "deepLinking: true,\n    persistAuthorization: true,",
            1,
        )
    })
}
