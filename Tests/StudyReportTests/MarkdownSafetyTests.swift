import Testing
import StudyReport

/// The hostile section text that Ink 0.6.0 passes through to the page (measured side by side in
/// bench/sections/15-libraries.sh), which is why `Markdown` is our own: every case comes out inert.
@Suite("Markdown: hostile text that Ink passes through stays inert")
struct MarkdownSafetyTests {
    @Test("raw HTML elements are escaped, in a block or inline", arguments: [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        ("<div onclick=\"x()\">a</div>", "<p>&lt;div onclick=&quot;x()&quot;&gt;a&lt;/div&gt;</p>\n"),
        ("Text <img src=x onerror=alert(1)> here", "<p>Text &lt;img src=x onerror=alert(1)&gt; here</p>\n"),
    ])
    func rawHTML(text: String, html: String) {
        #expect(Markdown.html(text) == html)
    }

    @Test("links and images with a script-capable scheme keep only their text", arguments: [
        ("[click](javascript:alert(1))", "<p>click</p>\n"),
        ("[click](JaVaScRiPt:alert(1))", "<p>click</p>\n"),
        ("[click](data:text/html,x)", "<p>click</p>\n"),
        ("[click](vbscript:x)", "<p>click</p>\n"),
        ("![x](javascript:alert(1))", "<p>!x</p>\n"),
    ])
    func schemes(text: String, html: String) {
        #expect(Markdown.html(text) == html)
    }

    @Test("a quote in a link target stays inside the href attribute")
    func quoteInTarget() {
        #expect(Markdown.html("[x](https://a.org/\"onmouseover=\"alert(1))") ==
                "<p><a href=\"https://a.org/&quot;onmouseover=&quot;alert(1)\">x</a></p>\n")
    }

    @Test("comparison signs in ordinary text are escaped, not read as tags")
    func comparisons() {
        #expect(Markdown.html("p < 0.05 & HR > 1 for <b>") == "<p>p &lt; 0.05 &amp; HR &gt; 1 for &lt;b&gt;</p>\n")
    }
}
