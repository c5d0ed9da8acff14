/// A small Markdown-to-HTML converter for section text: paragraphs, headings, bullet and numbered
/// lists, fenced code, inline code, emphasis, strong and links — enough for a methods section.
/// Everything else is escaped, so raw HTML in the text shows as text and cannot inject markup or
/// scripts; links keep only http, https, mailto and relative targets.
///
/// Ours rather than Ink 0.6.0 from the package mirror (tested by `bench/sections/15-libraries.sh`
/// in `make bench`, 2026-12-07, `bench/results/libraries-last-run.txt`): Ink passes `<script>`,
/// inline `<img onerror=…>` and `javascript:`/`data:` link and image targets to the page. Its
/// modifiers can escape its HTML and drop unsafe schemes, but a `"` in a link target still breaks
/// out of `href` (Ink does not escape it), and its blocks carry no line breaks, which would change
/// the bytes of every report.
public enum Markdown {
    /// The HTML of `text`; headings start at `<h{headingBase}>` (section titles are `<h2>`, so `#`
    /// inside a section becomes `<h3>`).
    public static func html(_ text: String, headingBase: Int = 3) -> String {
        var out = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])? = nil
        var code: [String]? = nil

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            out += "<p>" + inline(paragraph.joined(separator: "\n")) + "</p>\n"
            paragraph = []
        }
        func flushList() {
            guard let l = list else { return }
            out += l.ordered ? "<ol>\n" : "<ul>\n"
            for item in l.items { out += "<li>" + inline(item) + "</li>\n" }
            out += l.ordered ? "</ol>\n" : "</ul>\n"
            list = nil
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingSpaces
            if code != nil {
                if trimmed.hasPrefix("```") {
                    out += "<pre><code>" + TextFormat.escape(code!.joined(separator: "\n")) + "</code></pre>\n"
                    code = nil
                } else {
                    code!.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                flushParagraph(); flushList()
                code = []
                continue
            }
            if trimmed.isEmpty {
                flushParagraph(); flushList()
                continue
            }
            if let found = heading(trimmed) {
                let (level, title) = found
                flushParagraph(); flushList()
                let h = min(level + headingBase - 1, 6)
                out += "<h\(h)>" + inline(title) + "</h\(h)>\n"
                continue
            }
            if let found = listItem(trimmed) {
                let (ordered, item) = found
                flushParagraph()
                if let l = list, l.ordered != ordered { flushList() }
                if list == nil { list = (ordered, []) }
                list!.items.append(item)
                continue
            }
            if list != nil, line.hasPrefix("  ") {
                // An indented line continues the current list item.
                list!.items[list!.items.count - 1] += "\n" + trimmed
                continue
            }
            flushList()
            paragraph.append(trimmed)
        }
        if let code { out += "<pre><code>" + TextFormat.escape(code.joined(separator: "\n")) + "</code></pre>\n" }
        flushParagraph(); flushList()
        return out
    }

    /// `## Title` → (2, "Title"); up to six `#` followed by a space.
    static func heading(_ line: String) -> (Int, String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.first == " " else { return nil }
        return (hashes, String(rest).trimmingSpaces)
    }

    /// `- item`, `* item` → unordered; `1. item` → ordered.
    static func listItem(_ line: String) -> (Bool, String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") {
            return (false, String(line.dropFirst(2)).trimmingSpaces)
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9 {
            let rest = line.dropFirst(digits.count)
            if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return (true, String(rest.dropFirst(2)).trimmingSpaces) }
        }
        return nil
    }

    /// Inline markup: `code`, **strong**, *em* / _em_, [text](url), backslash escapes; the rest escaped.
    public static func inline(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        func find(_ needle: [Character], from start: Int) -> Int? {
            var j = start
            while j + needle.count <= chars.count {
                if Array(chars[j..<(j + needle.count)]) == needle { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            let ch = chars[i]
            if ch == "\\", i + 1 < chars.count, "\\`*_[]()#+-.!<>".contains(chars[i + 1]) {
                out += TextFormat.escape(String(chars[i + 1]))
                i += 2
                continue
            }
            if ch == "`", let end = find(["`"], from: i + 1) {
                out += "<code>" + TextFormat.escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1
                continue
            }
            // Underscores inside a word (snake_case names in methods text) are not emphasis.
            if ch == "*" || (ch == "_" && (i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber))) {
                let double = i + 1 < chars.count && chars[i + 1] == ch
                let marker: [Character] = double ? [ch, ch] : [ch]
                let start = i + marker.count
                if start < chars.count, chars[start] != " ", let end = find(marker, from: start + 1), end > start,
                   chars[end - 1] != " " {
                    let tag = double ? "strong" : "em"
                    out += "<\(tag)>" + inline(String(chars[start..<end])) + "</\(tag)>"
                    i = end + marker.count
                    continue
                }
            }
            if ch == "[", let close = find(["]", "("], from: i + 1), let end = closingParenthesis(chars, from: close + 2) {
                let label = String(chars[(i + 1)..<close])
                let url = String(chars[(close + 2)..<end]).trimmingSpaces
                if safeURL(url) {
                    out += "<a href=\"\(TextFormat.escape(url))\">" + inline(label) + "</a>"
                } else {
                    out += inline(label)
                }
                i = end + 1
                continue
            }
            out += TextFormat.escape(String(ch))
            i += 1
        }
        return out
    }

    /// The index of the `)` that closes a link target starting at `start`, allowing balanced
    /// parentheses inside it (`https://en.wikipedia.org/wiki/Cox_(surname)`).
    static func closingParenthesis(_ chars: [Character], from start: Int) -> Int? {
        var depth = 0
        var j = start
        while j < chars.count {
            if chars[j] == "(" { depth += 1 }
            if chars[j] == ")" {
                if depth == 0 { return j }
                depth -= 1
            }
            j += 1
        }
        return nil
    }

    /// Links that cannot run code: http(s), mailto, in-page anchors and relative paths.
    static func safeURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("mailto:") || lower.hasPrefix("#") {
            return true
        }
        return !lower.contains(":") && !url.isEmpty
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
