//! The docs stay true: the key table (docs/keys.md) names every key the keymap binds, with
//! its description; the README opens with install, demo and tests and stays short; every
//! relative link in the docs points at a file that exists.

use gotrue_console::console::keys::{Context, Keymap};

#[test]
fn readme_key_table_names_every_binding() {
    let doc = include_str!("../docs/keys.md");
    let table_start = doc.find("| key |").expect("a key table");
    let table = &doc[table_start..];
    let keys = Keymap::default();
    let mut missing = Vec::new();
    for &ctx in Context::ALL {
        for b in keys.all(ctx, false) {
            if !table.contains(b.desc) {
                missing.push(format!("{ctx:?}: `{}`", b.desc));
            }
            for key in &b.keys {
                let label = key.label();
                if !table.contains(&format!("`{label}`"))
                    && !table.contains(&format!("{label}`"))
                    && !table.contains(&label)
                {
                    missing.push(format!("{ctx:?}: key {label} ({})", b.desc));
                }
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "docs/keys.md's key table lacks:\n{}",
        missing.join("\n")
    );
}

#[test]
fn readme_opens_with_install_demo_and_tests_and_stays_short() {
    let readme = include_str!("../README.md");
    let first_block = readme.split("```").nth(1).expect("a code block");
    let at = |what: &str| {
        first_block
            .find(what)
            .unwrap_or_else(|| panic!("the first block lacks {what}"))
    };
    assert!(at("cargo install --locked --path .") < at("gotrue-console --demo"));
    assert!(at("gotrue-console --demo") < at("cargo test"));
    assert!(first_block.contains("cargo run --release -- --demo"));
    let lines = readme.lines().count();
    assert!(
        lines < 200,
        "README.md has {lines} lines: detail goes to docs/"
    );
    let ci = include_str!("../.ci/run");
    assert!(
        ci.contains("cargo test"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn relative_links_point_at_files_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![
        root.join("README.md"),
        root.join("CONTRIBUTING.md"),
        root.join("ARCHITECTURE.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        docs.push(entry.expect("an entry").path());
    }
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).expect("readable");
        let mut rest = text.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(0)];
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            let dir = doc.parent().expect("a folder");
            if !dir.join(path).exists() {
                broken.push(format!("{}: {target}", doc.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
