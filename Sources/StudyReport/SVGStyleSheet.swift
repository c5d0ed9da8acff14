/// The CSS of an inlined figure, reduced to what draws it: an allow-list of presentation
/// properties, `url(#id)` only (rewritten to the figure's id prefix), no at-rules (`@import`,
/// `@font-face`, `@media`), no escapes or comments that could hide a `url(`; and every selector of
/// a `<style>` element scoped under the figure's root id, since a `<style>` inside inline SVG
/// applies to the whole page.
struct SVGStyleSheet {
    /// Prepended to every id the figure defines and references.
    let prefix: String

    static let properties: Set<String> = [
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "color",
        "font", "font-family", "font-size", "font-style", "font-weight", "font-variant", "font-stretch",
        "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
        "word-spacing", "text-decoration", "white-space", "visibility", "display", "clip-path", "clip-rule",
        "mask", "marker", "marker-start", "marker-mid", "marker-end", "stop-color", "stop-opacity",
        "flood-color", "flood-opacity", "lighting-color", "shape-rendering", "text-rendering",
        "image-rendering", "color-interpolation", "color-interpolation-filters", "paint-order",
        "vector-effect", "transform", "transform-origin", "transform-box", "mix-blend-mode", "isolation", "filter",
    ]

    /// The id as the page holds it, or nil for one that could not be referenced safely (white
    /// space, quotes, brackets, `#`; svglite's base64 ids with `=`, `+` and `/` are fine).
    func id(_ raw: String) -> String? {
        guard !raw.isEmpty, raw.count <= 200,
              raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && !"\"'<>&()\\,;{}#`".unicodeScalars.contains($0) })
        else { return nil }
        return prefix + raw
    }

    /// An attribute or declaration value with each `url(#id)` rewritten to the prefixed id; nil
    /// when it holds any other `url(`, an escape, or markup.
    func value(_ raw: String) -> String? {
        let lower = raw.lowercased()
        guard !lower.contains("\\"), !lower.contains("<"), !lower.contains("expression("), !lower.contains("/*") else { return nil }
        var out = ""
        var rest = Substring(raw)
        while let start = Self.urlStart(rest) {
            out += rest[..<start]
            let inner = rest[rest.index(start, offsetBy: 4)...]
            guard let close = inner.firstIndex(of: ")") else { return nil }
            var target = inner[..<close].trimmingCharacters(" \t")
            if let first = target.first, first == "'" || first == "\"", target.count >= 2, target.last == first {
                target = String(target.dropFirst().dropLast())
            }
            guard target.hasPrefix("#"), let local = id(String(target.dropFirst())) else { return nil }
            out += "url(#\(local))"
            rest = inner[inner.index(after: close)...]
        }
        return out + rest
    }

    /// Where `url(` starts in `text`, in any letter case.
    private static func urlStart(_ text: Substring) -> Substring.Index? {
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "u" || text[i] == "U" {
                let word = text[i...].prefix(4)
                if word.count == 4, word.lowercased() == "url(" { return i }
            }
            i = text.index(after: i)
        }
        return nil
    }

    /// A `style` attribute's (or rule body's) declarations, keeping the allowed ones.
    func declarations(_ text: String) -> String {
        var kept: [String] = []
        for declaration in split(text, on: ";") {
            guard let colon = declaration.firstIndex(of: ":") else { continue }
            let property = declaration[..<colon].trimmingCharacters(" \t\n\r").lowercased()
            let raw = declaration[declaration.index(after: colon)...].trimmingCharacters(" \t\n\r")
            guard Self.properties.contains(property), !raw.isEmpty, let value = value(raw) else { continue }
            kept.append("\(property):\(value)")
        }
        return kept.joined(separator: ";")
    }

    /// A `<style>` element's sheet with every rule scoped under `#root`; at-rules and rules with
    /// selectors outside the simple grammar are dropped.
    func sheet(_ text: String, root: String) -> String {
        var out = ""
        var rest = Substring(stripComments(text))
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == ";" }) {
            let head = rest[..<open].trimmingCharacters(" \t\n\r")
            if rest[open] == ";" {
                // An at-rule statement (`@import url(…);`, `@charset`): dropped.
                rest = rest[rest.index(after: open)...]
                continue
            }
            guard let close = matchingBrace(rest, open) else { break }
            let body = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            guard !head.hasPrefix("@"), !body.contains("{"), let selectors = scoped(head, root: root) else { continue }
            let kept = declarations(String(body))
            if !kept.isEmpty { out += "\(selectors){\(kept)}\n" }
        }
        return out
    }

    private func scoped(_ head: String, root: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#*,>+~: \t\n\r[]=\"'()|^$")
        guard !head.isEmpty, head.allSatisfy({ allowed.contains($0) }) else { return nil }
        var parts: [String] = []
        for selector in split(head, on: ",") {
            let s = selector.trimmingCharacters(" \t\n\r")
            guard !s.isEmpty else { return nil }
            parts.append("#\(root) " + prefixIDs(s))
        }
        return parts.joined(separator: ",")
    }

    /// `#name` in a selector becomes `#PREFIXname`.
    private func prefixIDs(_ selector: String) -> String {
        var out = ""
        var inID = false
        for ch in selector {
            if inID && !(ch.isLetter || ch.isNumber || ch == "-" || ch == "_") { inID = false }
            out.append(ch)
            if ch == "#" {
                out += prefix
                inID = true
            }
        }
        return out
    }

    private func matchingBrace(_ text: Substring, _ open: Substring.Index) -> Substring.Index? {
        var depth = 0
        var i = open
        while i < text.endIndex {
            if text[i] == "{" { depth += 1 }
            if text[i] == "}" {
                depth -= 1
                if depth == 0 { return i }
            }
            i = text.index(after: i)
        }
        return nil
    }

    /// `text` without `/* … */` comments (each becomes a space); an unclosed one ends the sheet.
    private func stripComments(_ text: String) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                var j = i + 2
                while j + 1 < chars.count && !(chars[j] == "*" && chars[j + 1] == "/") { j += 1 }
                guard j + 1 < chars.count else { return out }
                out += " "
                i = j + 2
                continue
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }

    /// `text` split on `separator` outside quotes and parentheses.
    private func split(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = [], current = ""
        var quote: Character? = nil
        var depth = 0
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if ch == "(" {
                depth += 1
            } else if ch == ")" {
                depth = max(0, depth - 1)
            } else if ch == separator && depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        parts.append(current)
        return parts
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(_ set: String) -> String {
        let chars = Set(set)
        guard let first = firstIndex(where: { !chars.contains($0) }) else { return "" }
        let last = lastIndex(where: { !chars.contains($0) })!
        return String(self[first...last])
    }
}
