//! Markdown to HTML that is safe to show: raw HTML of the author is shown as text (escaped),
//! links keep only http, https, mailto and relative addresses, images become their text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// True for an address a link may point to: http(s), mailto or relative, with no control
/// character or space that a browser would strip to reveal another scheme.
pub fn safe_url(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(path)) if path < colon => true,
        (Some(colon), _) => matches!(
            url[..colon].to_ascii_lowercase().as_str(),
            "http" | "https" | "mailto"
        ),
        (None, _) => true,
    }
}

/// Renders Markdown (with tables and strikethrough) to safe HTML.
pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    // Whether each open link was kept (links do not nest in Markdown, but be general).
    let mut links: Vec<bool> = Vec::new();
    let events = parser.filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_url(&dest_url);
            links.push(keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => links
            .pop()
            .unwrap_or(false)
            .then_some(Event::End(TagEnd::Link)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    // Every `<` left is the renderer's (the author's are escaped): wide tables scroll in a
    // region reachable with the keyboard.
    html.replace(
        "<table>",
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Tableau\"><table class=\"table\">",
    )
    .replace("</table>", "</table></div>")
}

/// The first characters of a Markdown text as plain words, for summaries.
pub fn plain_excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => text.push(' '),
            _ => {}
        }
    }
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() <= max_chars {
        words
    } else {
        let cut: String = words.chars().take(max_chars).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        let html = render("# Titre\n\nUn **contrat** et [un lien](https://exemple.fr/a?b=1).");
        assert!(html.contains("<h1>Titre</h1>"));
        assert!(html.contains("<strong>contrat</strong>"));
        assert!(html.contains("<a href=\"https://exemple.fr/a?b=1\">un lien</a>"));
    }

    #[test]
    fn nothing_dangerous_comes_out() {
        let nasty = [
            "<script>alert(1)</script>",
            "Texte <script>alert(1)</script> en ligne",
            "[clic](javascript:alert(1))",
            "[clic](JaVaScRiPt:alert(1))",
            "[clic](&#106;avascript:alert(1))",
            "[clic](<java\tscript:alert(1)>)",
            "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[clic](vbscript:msgbox)",
            "<img src=x onerror=alert(1)>",
            "<a href=\"https://exemple.fr\" onclick=\"alert(1)\">x</a>",
            "<div onmouseover=\"alert(1)\">survol</div>",
            "![image](javascript:alert(1))",
            "<iframe src=\"https://exemple.fr\"></iframe>",
            "[ref]\n\n[ref]: javascript:alert(1)",
            "<https://exemple.fr/\"onmouseover=\"alert(1)>",
        ];
        for input in nasty {
            let html = render(input).to_lowercase();
            assert!(!html.contains("<script"), "{input} → {html}");
            assert!(!html.contains("javascript:"), "{input} → {html}");
            assert!(!html.contains("vbscript:"), "{input} → {html}");
            assert!(!html.contains("data:"), "{input} → {html}");
            assert!(!html.contains("<img"), "{input} → {html}");
            assert!(!html.contains("<iframe"), "{input} → {html}");
            assert!(!html.contains("<div"), "{input} → {html}");
            // Every `<` left is a tag made by the renderer (the author's are escaped), and
            // none carries an event handler.
            for tag in html.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or_default();
                assert!(
                    !tag.split_whitespace().skip(1).any(|a| a.starts_with("on")),
                    "{input} → {html}"
                );
                let name = tag
                    .trim_start_matches('/')
                    .split_whitespace()
                    .next()
                    .unwrap_or_default();
                assert!(
                    [
                        "p",
                        "a",
                        "h1",
                        "h2",
                        "h3",
                        "ul",
                        "ol",
                        "li",
                        "strong",
                        "em",
                        "code",
                        "pre",
                        "br",
                        "hr",
                        "blockquote",
                        "table",
                        "thead",
                        "tbody",
                        "tr",
                        "th",
                        "td",
                        "del"
                    ]
                    .contains(&name),
                    "unexpected tag <{tag}> from {input}"
                );
            }
        }
        // Raw HTML stays readable as text.
        assert!(render("<b>gras</b>").contains("&lt;b&gt;gras&lt;/b&gt;"));
    }

    #[test]
    fn safe_urls() {
        assert!(safe_url("https://exemple.fr"));
        assert!(safe_url("http://exemple.fr"));
        assert!(safe_url("mailto:contact@exemple.fr"));
        assert!(safe_url("/documentation/aides"));
        assert!(safe_url("aides#employeurs"));
        assert!(safe_url("/a:b"));
        assert!(!safe_url("javascript:alert(1)"));
        assert!(!safe_url("ftp://exemple.fr"));
        assert!(!safe_url("java script:alert(1)"));
    }

    #[test]
    fn excerpt() {
        assert_eq!(
            plain_excerpt("# Titre\n\nUn *texte*.", 100),
            "Titre Un texte."
        );
        assert_eq!(plain_excerpt("abcdef", 3), "abc…");
    }
}
