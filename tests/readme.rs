//! The README's key table stays true: every key the registry binds, with its description,
//! is in it.

use gotrue_console::console::keys::{Context, Keymap};

#[test]
fn readme_key_table_names_every_binding() {
    let readme = include_str!("../README.md");
    let table_start = readme.find("## Keys").expect("a Keys section");
    let table = &readme[table_start..];
    let table = &table[..table.find("\n## ").unwrap_or(table.len())];
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
        "README's key table lacks:\n{}",
        missing.join("\n")
    );
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme = include_str!("../README.md");
    let first_block = readme.split("```").nth(1).expect("a code block");
    assert!(first_block.contains("cargo run --release -- --demo"));
    assert!(first_block.contains("cargo test"));
    let ci = include_str!("../.ci/run");
    assert!(
        ci.contains("cargo test"),
        ".ci/run runs the README's test command"
    );
}
