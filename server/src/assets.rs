//! Where the built stylesheet lives. Release builds carry content hashes in
//! asset names (cargo-leptos `hash-files`), listed in a file beside the binary.

use app::state::ShellAssets;
use leptos::prelude::LeptosOptions;

pub fn shell_assets(options: &LeptosOptions) -> ShellAssets {
    let hash = options
        .hash_files
        .then(|| {
            let exe = std::env::current_exe().ok()?;
            let listing = std::fs::read_to_string(exe.parent()?.join(&*options.hash_file)).ok()?;
            css_hash(&listing)
        })
        .flatten();
    let file = match hash {
        Some(hash) => format!("{}.{hash}.css", options.output_name),
        None => format!("{}.css", options.output_name),
    };
    ShellAssets {
        stylesheet_href: format!("/{}/{file}", options.site_pkg_dir).into(),
    }
}

/// The `css: <hash>` line of cargo-leptos's hash file.
fn css_hash(listing: &str) -> Option<String> {
    listing.lines().find_map(|line| {
        let (kind, hash) = line.split_once(':')?;
        (kind.trim() == "css").then(|| hash.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::css_hash;

    #[test]
    fn reads_the_css_line_of_the_hash_file() {
        let listing = "js: AbC\nwasm: dEf\ncss: Gh-1_\n";
        assert_eq!(css_hash(listing).as_deref(), Some("Gh-1_"));
        assert_eq!(css_hash("js: x\n"), None);
    }
}
