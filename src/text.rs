//! Hub and roster text is hostile: shown, never obeyed. The one place that
//! decides which characters may reach a reader (HTML, CSV, JSON, mail, the
//! terminal, error messages) and how they are replaced.

use std::borrow::Cow;

/// Shown instead of a character that could reorder or hide text.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Control characters (C0, DEL, C1), bidi embeddings, overrides, isolates
/// and marks, and the Unicode line/paragraph separators: characters that
/// change how neighbouring text is displayed (or end a CSV/terminal line)
/// rather than being text.
pub fn is_hostile_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `s` with every [`is_hostile_char`] replaced by a visible U+FFFD; borrowed
/// when there is nothing to replace. Everything else stays byte-exact.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    // Printable ASCII, most of what the Hub sends, has nothing hostile:
    // one byte scan instead of decoding every character.
    let printable_ascii = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !printable_ascii && s.chars().any(is_hostile_char) {
        Cow::Owned(
            s.chars()
                .map(|c| if is_hostile_char(c) { REPLACEMENT } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// `s` cleaned ([`clean_text`]) and cut to `max` characters, with `…` when
/// something was cut: a plain-text line (a mail subject, a summary).
pub fn clean_line(s: &str, max: usize) -> String {
    let clean = clean_text(s);
    let mut out: String = clean.chars().take(max).collect();
    if clean.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_characters_are_replaced_visibly() {
        assert_eq!(clean_text("plain née Łukasz"), "plain née Łukasz");
        assert!(matches!(clean_text("plain"), Cow::Borrowed(_)));
        assert_eq!(
            clean_text("a\u{202E}b\u{2066}c\td\re\u{7}f\u{85}g\u{200F}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g\u{FFFD}"
        );
    }

    /// The printable-ASCII shortcut agrees with the rule for every ASCII
    /// byte: DEL and the C0 controls (tab and line ends too) are replaced.
    #[test]
    fn every_ascii_character_is_judged_by_the_rule() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            let s = format!("a{c}b");
            let expected = if is_hostile_char(c) { REPLACEMENT } else { c };
            assert_eq!(clean_text(&s), format!("a{expected}b"), "{b:#x}");
        }
        assert_eq!(clean_text("\u{7f}"), "\u{FFFD}");
    }

    #[test]
    fn a_line_is_cleaned_then_cut() {
        assert_eq!(clean_line("short", 10), "short");
        assert_eq!(clean_line("a\u{202E}bcdef", 3), "a\u{FFFD}b…");
        assert_eq!(clean_line("", 3), "");
    }
}
