/// A figure of small multiples of a built-in chart (`layout: grid`), laid out as ggplot2's
/// `facet_wrap` or lattice lay one out: compact panels (`KaplanMeierPanel`) on shared axes in a
/// grid, each under a strip with its label, and the legend and the axis titles once for the whole
/// figure, in HTML so they reflow rather than shrink.
///
/// Columns: `columns(panels:)` on a wide page and in print (three at most, so that panels stay
/// at least `SVGCanvas.minimumPanelRenderedWidth` wide on A4 and their text at 9 CSS px or more),
/// fewer where the column is narrower, one on a phone. The y-axis title stands beside the grid,
/// or above it on a phone. A figure too tall for one printed page even so breaks between rows of
/// panels, never inside one (README, "report/html").
public struct SmallMultiples: Sendable {
    /// One legend entry: a series' name and its colour.
    public struct Key: Equatable, Sendable {
        /// The series' name (a group of the charts).
        public var label: String
        /// Its colour in every panel.
        public var color: String

        /// Creates an entry.
        public init(label: String, color: String) {
            self.label = label
            self.color = color
        }
    }

    /// The panels in instance order, each labelled (its strip).
    public var panels: [FigurePanels.Panel]
    /// The legend, once for the figure; empty omits it.
    public var legend: [Key]
    /// The axis titles shared by every panel.
    public var xTitle: String
    /// The y-axis title.
    public var yTitle: String

    /// Creates a figure body.
    public init(panels: [FigurePanels.Panel], legend: [Key], xTitle: String, yTitle: String) {
        self.panels = panels
        self.legend = legend
        self.xTitle = xTitle
        self.yTitle = yTitle
    }

    /// Columns for `panels` panels on a wide page and in print, as `facet_wrap` picks a near-square
    /// grid: one to three in a row, two for four (2 × 2), three from five on. Never four or more:
    /// on A4 a fourth column would draw each panel's 10-unit text at under 7 CSS px.
    public static func columns(panels: Int) -> Int {
        switch panels {
        case ...1: return 1
        case 2, 4: return 2
        default: return 3
        }
    }

    /// The HTML inside `<figure>`, before its caption.
    public var html: String {
        var out = "<div class=\"facets\">\n"
        if !legend.isEmpty {
            out += "<p class=\"facet-key\">"
            out += legend.map { key in
                "<span><i class=\"swatch\" style=\"border-color:\(key.color)\"></i>\(TextFormat.escape(key.label))</span>"
            }.joined(separator: " ")
            out += "</p>\n"
        }
        out += "<div class=\"facet-frame\">\n<p class=\"facet-y\">\(TextFormat.escape(yTitle))</p>\n<div class=\"facet-body\">\n"
        out += "<div class=\"facet-grid\" style=\"--cols:\(Self.columns(panels: panels.count))\">\n"
        for panel in panels {
            out += "<div class=\"panel\">\n"
            if let label = panel.label { out += "<p class=\"strip\">\(TextFormat.escape(label))</p>\n" }
            out += panel.markup + "\n</div>\n"
        }
        out += "</div>\n<p class=\"facet-x\">\(TextFormat.escape(xTitle))</p>\n</div>\n</div>\n</div>"
        return out
    }

    /// The Markdown after the figure's title line: the legend and axes in words, then each panel.
    public var markdown: String {
        var out = ""
        if !legend.isEmpty { out += "Groups: " + legend.map { TextFormat.markdownCell($0.label) }.joined(separator: "; ") + ". " }
        out += "Axes: \(TextFormat.markdownCell(yTitle)) against \(TextFormat.markdownCell(xTitle)), shared by every panel.\n\n"
        return out + FigurePanels(panels: panels, layout: .grid).markdown
    }

    /// The page's rules for small multiples (part of `ReportDocument.css`): the grid takes the
    /// figure's `--cols` where each column stays `minimumPanelRenderedWidth` wide, else fewer (one
    /// on a phone); a panel never grows past 1.5 × its viewBox.
    static var css: String {
        let minimum = TextFormat.coordinate(SVGCanvas.minimumPanelRenderedWidth)
        let maximum = TextFormat.coordinate(SVGCanvas.panelWidth * 1.5)
        return """
        .facet-key{font:13px/1.45 Helvetica,Arial,sans-serif;margin:0 0 6px}.facet-key span{white-space:nowrap;margin-right:12px}
        .swatch{display:inline-block;width:20px;border-top:2px solid;vertical-align:middle;margin-right:5px}
        .facet-frame{display:flex;align-items:center}.facet-body{flex:1;min-width:0}
        .facet-y,.facet-x{font:13px/1.3 Helvetica,Arial,sans-serif;margin:0;text-align:center}
        .facet-y{writing-mode:vertical-rl;transform:rotate(180deg);padding-left:4px}.facet-x{margin-top:4px}
        .facet-grid{display:grid;gap:10px 12px;grid-template-columns:repeat(auto-fill,minmax(max(\(minimum)px,calc((100% - (var(--cols) - 1)*12px)/var(--cols) - 1px)),1fr))}
        .strip{font:bold 13px/1.3 Helvetica,Arial,sans-serif;margin:0 0 2px;border-bottom:1px solid \(Palette.grid)}
        svg.compact{max-width:\(maximum)px;min-width:\(minimum)px}

        """
    }

    /// The phone rule: the y-axis title above the grid, read across.
    static let phoneCSS = ".facet-frame{display:block}.facet-y{writing-mode:horizontal-tb;transform:none;text-align:left;padding:0 0 4px}"
}
