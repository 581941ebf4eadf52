//! Completions and the manual page come from the same clap definitions as `--help`: every
//! subcommand and flag is in them.

fn run(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"))
        .args(args)
        .output()
        .expect("gotrue-console runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn completions_know_every_subcommand_and_flag() {
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for word in ["serve-ssh", "demo-server", "doctor", "keys", "export"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
        // fish names a long flag `-l read-only`; bash and zsh write `--read-only`.
        for flag in ["read-only", "supabase-local", "mask"] {
            let written = if shell == "fish" {
                format!("-l {flag}")
            } else {
                format!("--{flag}")
            };
            assert!(script.contains(&written), "{shell} lacks {written}");
        }
    }
    assert!(run(&["completions", "fish"]).contains("complete -c gotrue-console"));
    assert!(run(&["completions", "zsh"]).starts_with("#compdef gotrue-console"));
}

#[test]
fn the_manual_page_is_roff_with_the_flags_and_subcommands() {
    let page = run(&["man"]);
    assert!(page.contains(".TH gotrue-console 1"), "{page}");
    for word in ["serve\\-ssh", "doctor", "\\-\\-read\\-only", "\\-\\-mask"] {
        assert!(page.contains(word), "the page lacks {word}");
    }
}
