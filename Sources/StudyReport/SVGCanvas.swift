/// A small SVG writer: the document frame (viewBox so the figure scales, `<title>` and `<desc>`
/// for screen readers and search) and the few elements the charts use, with coordinates rounded
/// to hundredths of a pixel so output is compact and byte-stable.
public struct SVGCanvas {
    /// Width and height in user units (pixels at 100 %).
    public let width: Double
    /// Height in user units.
    public let height: Double
    private(set) var body: String = ""

    /// A canvas of the given size.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.reserveCapacity(16_384)
    }

    /// Appends raw markup (already escaped).
    public mutating func raw(_ markup: String) { body += markup }

    /// A line segment.
    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class cls: String) {
        body += "<line class=\"\(cls)\" x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\"/>\n"
    }

    /// A path with SVG path data `d`; `style` is for per-series colour.
    public mutating func path(_ d: String, class cls: String, style: String? = nil) {
        guard !d.isEmpty else { return }
        body += "<path class=\"\(cls)\"\(style.map { " style=\"\($0)\"" } ?? "") d=\"\(d)\"/>\n"
    }

    /// A rectangle.
    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, class cls: String, style: String? = nil) {
        body += "<rect class=\"\(cls)\"\(style.map { " style=\"\($0)\"" } ?? "") x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(w))\" height=\"\(c(h))\"/>\n"
    }

    /// A circle.
    public mutating func circle(_ x: Double, _ y: Double, r: Double, class cls: String, style: String? = nil) {
        body += "<circle class=\"\(cls)\"\(style.map { " style=\"\($0)\"" } ?? "") cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(r))\"/>\n"
    }

    /// Text as text (searchable and selectable), escaped; `anchor` is start, middle or end.
    public mutating func text(_ s: String, _ x: Double, _ y: Double, anchor: String = "start", class cls: String = "t",
                              style: String? = nil) {
        let a = anchor == "start" ? "" : " text-anchor=\"\(anchor)\""
        body += "<text class=\"\(cls)\"\(a)\(style.map { " style=\"\($0)\"" } ?? "") x=\"\(c(x))\" y=\"\(c(y))\">\(TextFormat.escape(s))</text>\n"
    }

    /// The finished `<svg>` element: scalable (viewBox, width 100 %), with `<title>` and `<desc>`
    /// first so assistive technology announces them, and the chart's own small style sheet so the
    /// SVG also stands alone when saved from the page.
    /// `cls` is the element's class (`chart`, or `chart compact` for a small-multiples panel) and
    /// `extraStyle` a `<style>` element after the shared one.
    public func svg(title: String, description: String, id: String, class cls: String = "chart",
                    extraStyle: String = "") -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"\(cls)\" viewBox=\"0 0 \(c(width)) \(c(height))\""
        out += " role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<title id=\"\(id)-title\">\(TextFormat.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">\(TextFormat.escape(description))</desc>\n"
        out += SVGCanvas.style
        out += extraStyle
        out += body
        out += "</svg>"
        return out
    }

    /// The smallest text a built-in chart draws, in user units (its notes and tick labels).
    public static let smallestFontSize = 10.0
    /// The widest viewBox a built-in chart uses; every chart is drawn this wide.
    public static let chartWidth = 720.0
    /// The width of one panel of small multiples (`KaplanMeierPanel`): three across the report's
    /// 760 px column (less the y-axis title) at about 106 %, and three across A4 print at 93 %,
    /// which keeps its 10-unit text at 9.3 CSS px; a fourth column would draw it under 7.
    public static let panelWidth = 224.0
    /// The smallest text a reader must get, in CSS pixels, on a phone as on paper.
    public static let readableFontSize = 9.0
    /// The width below which a chart stops shrinking (its figure scrolls sideways instead), so
    /// its smallest text never renders under `readableFontSize` CSS pixels: 648 px for 10 px
    /// text in a 720-unit viewBox.
    public static var minimumRenderedWidth: Double {
        (readableFontSize * chartWidth / smallestFontSize).rounded(.up)
    }

    /// The width below which a panel stops shrinking (its grid drops to fewer columns first):
    /// 202 px for 10-unit text in a 224-unit viewBox.
    public static var minimumPanelRenderedWidth: Double {
        (readableFontSize * panelWidth / smallestFontSize).rounded(.up)
    }

    /// Shared classes: thin dark axes, light grid, 11 px tick text — a journal figure's restraint.
    static let style = """
    <style>
    .t{font-size:11px;fill:\(Palette.ink)}.m{font-size:\(TextFormat.coordinate(smallestFontSize))px;fill:\(Palette.muted)}.h{font-size:11px;font-weight:bold;fill:\(Palette.ink)}
    .ax{stroke:\(Palette.ink);stroke-width:1;fill:none}.gr{stroke:\(Palette.grid);stroke-width:0.6;fill:none}
    .ref{stroke:\(Palette.muted);stroke-width:0.8;stroke-dasharray:4 3;fill:none}.cv{fill:none;stroke-width:1.8}
    .bd{stroke:none;fill-opacity:0.15}.ck{fill:none;stroke-width:1}.wh{stroke-width:1.4;fill:none}.pt{stroke:none}
    .ln{fill:none;stroke-width:1.6}.ap{fill:none;stroke-width:1;stroke-dasharray:2 2}
    </style>

    """

    private func c(_ x: Double) -> String { TextFormat.coordinate(x) }
}

extension SVGCanvas {
    /// Text rotated a quarter turn anticlockwise about its anchor, for a y-axis label.
    public mutating func verticalText(_ s: String, _ x: Double, _ y: Double, class cls: String = "t") {
        let cx = TextFormat.coordinate(x), cy = TextFormat.coordinate(y)
        raw("<text class=\"\(cls)\" text-anchor=\"middle\" transform=\"rotate(-90 \(cx) \(cy))\" x=\"\(cx)\" y=\"\(cy)\">\(TextFormat.escape(s))</text>\n")
    }
}
