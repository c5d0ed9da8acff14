/// Makes an SVG file that a user's script wrote safe to inline in the report: the file is parsed
/// as XML (`XMLTokenizer`: no DTD internal subset, so no entity bombs or external entities) and
/// rebuilt from an ALLOW-list of drawing elements and attributes, so anything not known to be
/// inert — `<script>`, `<foreignObject>`, `on…` handlers, animation, `<image>`, links, unknown
/// or mixed-case names that an HTML parser would read differently — is dropped with its content.
/// Every `href` must point inside the figure (`#id`), every `url(…)` too; `<style>` rules are
/// scoped under the figure's root and every id is prefixed, so two inlined figures cannot clash
/// and a figure cannot restyle the page. The page's Content-Security-Policy (no fetches, no
/// scripts) stays the second line of defence.
///
/// ```swift
/// let svg = try SVGSanitizer(id: "figure3").sanitize(bytes, title: "Response by liver status",
///                                                    description: "Bar chart of response rates")
/// ```
public struct SVGSanitizer: Sendable {
    /// Larger files are refused: an inlined figure this big makes the page slow on a phone.
    public static let maxBytes = 4 << 20

    /// Why a file cannot be inlined: its position (line and column) and what is wrong.
    public struct Failure: Error, Equatable, Sendable {
        /// One lowercase line, e.g. `line 3, column 1: a DOCTYPE with an internal subset …`.
        public var message: String
    }

    /// The root's id; the figure's own ids become `ID-svg-NAME`, its title and desc `ID-title`, `ID-desc`.
    public let id: String

    /// A sanitizer for the figure whose root gets `id` (unique within the page).
    public init(id: String) { self.id = id }

    static let elements: Set<String> = [
        "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline",
        "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "clipPath", "mask",
        "pattern", "marker", "style", "filter", "feGaussianBlur", "feOffset", "feBlend", "feFlood", "feComposite",
        "feMerge", "feMergeNode", "feColorMatrix", "feMorphology",
    ]

    /// Elements whose tag is dropped but whose drawing is kept.
    static let unwrapped: Set<String> = ["a"]

    static let attributes: Set<String> = Set([
        "id", "class", "style", "transform", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx",
        "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points", "pathLength", "preserveAspectRatio", "href",
        "xlink:href", "xml:space", "offset", "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
        "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits", "markerWidth",
        "markerHeight", "markerUnits", "refX", "refY", "orient", "dx", "dy", "rotate", "textLength", "lengthAdjust",
        "startOffset", "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode", "operator",
        "k1", "k2", "k3", "k4", "values", "radius", "type",
    ]).union(SVGStyleSheet.properties)

    /// Attributes of the root that stay on the outer `<svg>`; the others move to a `<g>` inside it.
    static let rootAttributes: Set<String> = ["viewBox", "width", "height", "preserveAspectRatio"]

    /// The sanitized `<svg>` element with `title` and `description` as its `<title>` and `<desc>`.
    public func sanitize(_ bytes: [UInt8], title: String, description: String) throws(Failure) -> String {
        guard bytes.count <= Self.maxBytes else {
            throw Failure(message: "the SVG is \(Self.megabytes(bytes.count)) MiB, over the limit of \(Self.maxBytes >> 20) MiB for an inlined figure; draw fewer points (or rasterise dense layers) or save it as PNG")
        }
        let tokens: [XMLTokenizer.Token]
        do throws(XMLTokenizer.Failure) {
            tokens = try XMLTokenizer.tokens(bytes)
        } catch {
            throw Failure(message: "line \(error.line), column \(error.column): \(error.message)")
        }
        guard case .start(let rootName, let rootAttributes, let rootClosed)? = tokens.first, rootName == "svg" else {
            if case .start(let name, _, _)? = tokens.first {
                throw Failure(message: "the root element is '\(name)', not 'svg'; is this an SVG file?")
            }
            throw Failure(message: "no root element; is this an SVG file?")
        }
        var writer = Writer(sheet: SVGStyleSheet(prefix: "\(id)-svg-"), root: id)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\""
        out += outerAttributes(rootAttributes, writer.sheet)
        out += " role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(TextFormat.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">\(TextFormat.escape(description))</desc>\n"
        let inner = writer.attributes(rootAttributes.filter { !Self.rootAttributes.contains($0.name) })
        out += "<g\(inner)>"
        if !rootClosed {
            writer.write(tokens.dropFirst().dropLast())
        }
        out += writer.out + "</g>\n</svg>"
        return out
    }

    /// viewBox, width, height and preserveAspectRatio of the root; a viewBox made from plain
    /// pixel sizes when the file has none, so the figure scales with the page.
    private func outerAttributes(_ attributes: [XMLTokenizer.Attribute], _ sheet: SVGStyleSheet) -> String {
        var out = ""
        func value(_ name: String) -> String? {
            attributes.first { $0.name == name }.flatMap { sheet.value($0.value) }
        }
        var viewBox = value("viewBox")
        if viewBox == nil, let w = value("width").flatMap(Self.pixels), let h = value("height").flatMap(Self.pixels) {
            viewBox = "0 0 \(TextFormat.coordinate(w)) \(TextFormat.coordinate(h))"
        }
        if let viewBox { out += " viewBox=\"\(Self.escapeAttribute(viewBox))\"" }
        for name in ["width", "height", "preserveAspectRatio"] {
            if let v = value(name) { out += " \(name)=\"\(Self.escapeAttribute(v))\"" }
        }
        return out
    }

    static func pixels(_ text: String) -> Double? {
        let number = text.hasSuffix("px") ? String(text.dropLast(2)) : text
        guard let d = Double(number), d.isFinite, d > 0 else { return nil }
        return d
    }

    static func megabytes(_ count: Int) -> String {
        TextFormat.fixed(Double(count) / Double(1 << 20), 1)
    }

    static func escapeAttribute(_ s: String) -> String {
        TextFormat.escape(s)
    }

    /// Writes the allowed subset of the root's content.
    struct Writer {
        let sheet: SVGStyleSheet
        let root: String
        var out = ""

        mutating func write(_ tokens: ArraySlice<XMLTokenizer.Token>) {
            var dropDepth = 0
            var styleText: String? = nil
            // Per open element: its name and whether its tag was written (false: unwrapped, its content kept).
            var written: [(name: String, written: Bool)] = []
            for token in tokens {
                switch token {
                case .start(let name, let attributes, let selfClosing):
                    if dropDepth > 0 || styleText != nil {
                        if !selfClosing { dropDepth += 1 }
                        continue
                    }
                    // Title and desc hold text only: an HTML parser reads their content as HTML.
                    let inText = written.last.map { $0.name == "title" || $0.name == "desc" } ?? false
                    if !inText && Self.keep(name, attributes, depth: written.count) {
                        if name == "style" {
                            if !selfClosing { styleText = "" }
                            continue
                        }
                        out += "<\(name)\(self.attributes(attributes))\(selfClosing ? "/>" : ">")"
                        if !selfClosing { written.append((name, true)) }
                    } else if !inText && SVGSanitizer.unwrapped.contains(name) {
                        if !selfClosing { written.append((name, false)) }
                    } else if !selfClosing {
                        dropDepth = 1
                    }
                case .end(let name):
                    if dropDepth > 0 {
                        dropDepth -= 1
                    } else if let text = styleText {
                        let css = sheet.sheet(text, root: root)
                        if !css.isEmpty { out += "<style>\n\(TextFormat.escape(css))</style>" }
                        styleText = nil
                    } else if written.removeLast().written {
                        out += "</\(name)>"
                    }
                case .text(let text):
                    guard dropDepth == 0 else { continue }
                    if styleText != nil { styleText! += text } else { out += TextFormat.escape(text) }
                }
            }
        }

        /// Whether an element is drawn: allowed by name, and a `<use>` only with an href inside the
        /// figure. The file's own top-level `<title>`/`<desc>` give way to the report's.
        static func keep(_ name: String, _ attributes: [XMLTokenizer.Attribute], depth: Int) -> Bool {
            guard SVGSanitizer.elements.contains(name) else { return false }
            if depth == 0 && (name == "title" || name == "desc") { return false }
            if name == "use" {
                return attributes.contains { ($0.name == "href" || $0.name == "xlink:href") && $0.value.hasPrefix("#") }
            }
            return true
        }

        /// The allowed attributes, written; ids prefixed, hrefs only to `#id`, values with a
        /// foreign `url(…)` dropped, `style` reduced to allowed declarations.
        func attributes(_ attributes: [XMLTokenizer.Attribute]) -> String {
            var out = ""
            var hasHref = false
            for attribute in attributes where SVGSanitizer.attributes.contains(attribute.name) {
                let name = attribute.name
                let value: String?
                switch name {
                case "id":
                    value = sheet.id(attribute.value)
                case "href", "xlink:href":
                    guard !hasHref, attribute.value.hasPrefix("#") else { continue }
                    hasHref = true
                    value = sheet.id(String(attribute.value.dropFirst())).map { "#" + $0 }
                case "style":
                    let kept = sheet.declarations(attribute.value)
                    value = kept.isEmpty ? nil : kept
                default:
                    value = sheet.value(attribute.value)
                }
                guard let value else { continue }
                out += " \(name == "xlink:href" ? "href" : name)=\"\(SVGSanitizer.escapeAttribute(value))\""
            }
            return out
        }
    }
}
