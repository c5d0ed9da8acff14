import Foundation
import Ink
import StudyReport

/// Hostile and ordinary section text through our converter and Ink, with Ink's output checked for
/// what the report's Content-Security-Policy forbids: raw HTML elements and script-capable links.
enum MarkdownSafety {
    static let cases: [(String, String)] = [
        ("script element", "<script>alert(1)</script>"),
        ("inline HTML with a handler", "Text <img src=x onerror=alert(1)> here"),
        ("javascript: link", "[click](javascript:alert(1))"),
        ("mixed-case JaVaScRiPt: link", "[click](JaVaScRiPt:alert(1))"),
        ("data: link", "[click](data:text/html,<script>alert(1)</script>)"),
        ("javascript: image", "![x](javascript:alert(1))"),
        ("quote breaking out of href", "[x](https://a.org/\"onmouseover=\"alert(1))"),
        ("comparison signs in text", "p < 0.05 & HR > 1 for <b>"),
        ("ordinary text", "Cox model with **age** and *stage*; see [R](https://www.r-project.org)."),
    ]

    /// Ink with every modifier a caller could add to make it safe: HTML blocks escaped, links and
    /// images with a scheme other than http(s)/mailto reduced to their text.
    static func hardenedInk() -> MarkdownParser {
        MarkdownParser(modifiers: [
            Modifier(target: .html) { TextFormat.escape(String($0.markdown)) },
            Modifier(target: .links) { input in safe(input.html) ? input.html : TextFormat.escape(String(input.markdown)) },
            Modifier(target: .images) { input in safe(input.html) ? input.html : TextFormat.escape(String(input.markdown)) },
        ])
    }

    /// Whether every href/src in `html` is http(s), mailto, an anchor or relative.
    static func safe(_ html: String) -> Bool {
        for attribute in ["href=\"", "src=\""] {
            var rest = Substring(html)
            while let range = rest.range(of: attribute) {
                let value = rest[range.upperBound...].prefix { $0 != "\"" }.lowercased()
                let schemeless = !value.contains(":")
                if !(schemeless || value.hasPrefix("http://") || value.hasPrefix("https://") || value.hasPrefix("mailto:")) {
                    return false
                }
                rest = rest[range.upperBound...]
            }
        }
        return true
    }

    /// Tags a converter of section text may emit; any other element reaching the page is raw HTML.
    static let allowedTags: Set<String> = ["p", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "br", "hr",
                                           "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "thead",
                                           "tbody", "tr", "th", "td"]

    /// Whether `html` would run or load something under the report's CSP rules: an element other
    /// than the converter's own tags, an event-handler attribute, or a link target that is not
    /// http(s), mailto, an anchor or relative.
    static func unsafe(_ html: String) -> Bool {
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            let tag = rest[open...].prefix { $0 != ">" }
            let afterSlash = tag.dropFirst().drop { $0 == "/" }
            let name = afterSlash.prefix { $0.isLetter || $0.isNumber }.lowercased()
            if !allowedTags.contains(name) { return true }
            // An attribute beyond href, or a second quoted value: a handler or a broken-out attribute.
            let attributes = afterSlash.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            if !attributes.isEmpty && !attributes.hasPrefix("/") {
                guard attributes.hasPrefix("href=\""), attributes.filter({ $0 == "\"" }).count == 2,
                      safe(String(tag)) else { return true }
            }
            rest = rest[rest.index(after: open)...]
        }
        return false
    }

    static func printTable() {
        let plain = MarkdownParser()
        let hardened = hardenedInk()
        for (name, text) in cases {
            print("  \(name): \(String(reflecting: text))")
            for (label, html) in [("studyflow Markdown", Markdown.html(text)), ("Ink 0.6.0", plain.html(from: text)),
                                  ("Ink + modifiers", hardened.html(from: text))] {
                let flat = html.replacingOccurrences(of: "\n", with: "\\n")
                print("    \(label.padding(toLength: 19, withPad: " ", startingAt: 0)) \(unsafe(html) ? "UNSAFE" : "safe  ") \(flat)")
            }
        }
    }
}
