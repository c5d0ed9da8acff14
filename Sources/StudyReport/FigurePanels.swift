/// The body of a figure drawn from a user's files or from several instances of a gathered input:
/// one panel per file, each an inlined SVG (sanitized) or a PNG `<img>` with a `data:` URI, laid
/// out as small multiples (`grid`) or one under another (`stack`), each panel labelled when there
/// are several. Inline `style` attributes only, so a report without such figures keeps its bytes.
public struct FigurePanels: Sendable {
    /// How several panels sit in one figure.
    public enum Layout: String, Sendable, CaseIterable {
        /// Small multiples: images as many columns as fit (one when they are SVGs, whose text size is
        /// unknown); built-in charts are drawn as `SmallMultiples` instead.
        case grid
        /// One panel under another, full width.
        case stack
    }

    /// One drawn file.
    public struct Panel: Sendable {
        /// The instance's label (its item's label or key), nil for a single panel.
        public var label: String?
        /// The `<svg>` or `<img>` element.
        public var markup: String
        /// What the Markdown summary shows for it (an image link, or a description).
        public var markdown: String

        /// Creates a panel.
        public init(label: String?, markup: String, markdown: String) {
            self.label = label
            self.markup = markup
            self.markdown = markdown
        }
    }

    /// The panels, in instance order.
    public var panels: [Panel]
    /// Their layout; ignored for a single unlabelled panel.
    public var layout: Layout

    /// Creates the body of a figure.
    public init(panels: [Panel], layout: Layout) {
        self.panels = panels
        self.layout = layout
    }

    /// The `<img>` of a checked PNG: scaled down to the column, never up past its own pixels.
    public static func image(_ png: PNGImage, alt: String) -> String {
        "<img src=\"\(png.dataURI)\" alt=\"\(TextFormat.escape(alt))\" width=\"\(png.width)\" height=\"\(png.height)\" "
            + "style=\"display:block;max-width:100%;height:auto\">"
    }

    /// A Markdown image linking the file at `path` (relative to the summary) with its alt text.
    public static func markdownImage(alt: String, path: String) -> String {
        var target = ""
        for ch in path.unicodeScalars {
            switch ch {
            case " ": target += "%20"
            case "(": target += "%28"
            case ")": target += "%29"
            case "<", ">", "\n", "\r": continue
            default: target.unicodeScalars.append(ch)
            }
        }
        let text = alt.map { "[]\\".contains($0) ? "\\\($0)" : String($0) }.joined()
        return "![\(text.replacingNewlines)](\(target))"
    }

    /// The HTML inside `<figure>`, before its caption.
    public var html: String {
        if panels.count == 1 && panels[0].label == nil { return panels[0].markup }
        let style = layout == .grid
            ? " style=\"display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px 16px\"" : ""
        var out = "<div class=\"panels\"\(style)>\n"
        for panel in panels {
            out += "<div class=\"panel\">\n"
            if let label = panel.label { out += "<p class=\"note\"><strong>\(TextFormat.escape(label))</strong></p>\n" }
            out += panel.markup + "\n</div>\n"
        }
        return out + "</div>"
    }

    /// The Markdown after the figure's title line.
    public var markdown: String {
        var out = ""
        for panel in panels {
            if let label = panel.label { out += "*\(TextFormat.markdownCell(label))*\n\n" }
            out += panel.markdown + "\n\n"
        }
        return out
    }
}

extension String {
    var replacingNewlines: String { String(map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
}
