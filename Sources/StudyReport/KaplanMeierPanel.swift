/// One panel of a Kaplan-Meier small-multiples figure (`layout: grid`), as ggplot2's `facet_wrap`
/// draws one: a compact chart (`SVGCanvas.panelWidth` units wide) with the same 10-unit smallest
/// text as a full chart, the figure's shared time axis, and per group its curve, band, censoring
/// ticks, `n` and events in the corner and its numbers at risk. The group names, the axis titles
/// and the panel's label are drawn once for the whole figure by `SmallMultiples`, so each group is
/// coloured by its place in the figure's legend (`groups`), not by its place in this panel.
public struct KaplanMeierPanel: Sendable {
    /// The chart whose result, options, title and `timeRange` this panel draws.
    public var chart: KaplanMeierChart
    /// Every group of the figure, in legend order: a group's colour is its index here.
    public var groups: [String]

    /// Creates a panel of `chart` coloured by the figure's legend `groups`.
    public init(chart: KaplanMeierChart, groups: [String]) {
        self.chart = chart
        self.groups = groups
    }

    /// The figure's groups in legend order: each panel's groups in order of first appearance.
    public static func legend(_ charts: [KaplanMeierChart]) -> [String] {
        var out: [String] = []
        for curve in charts.flatMap(\.result.curves) where !out.contains(curve.group) { out.append(curve.group) }
        return out
    }

    /// The colour of `group` in this figure.
    func color(_ group: String) -> String { Palette.color(groups.firstIndex(of: group) ?? 0) }

    /// Panel geometry in user units: the plot's box, then one numbers-at-risk row per group.
    static let left = 32.0, right = SVGCanvas.panelWidth - 12, top = 8.0, plotHeight = 120.0
    static let rowHeight = 13.0

    /// The SVG (class `chart compact`); `id` makes the `<title>`/`<desc>` ids unique within a page.
    public func svg(id: String) -> String {
        let curves = chart.result.curves
        let left = Self.left, right = Self.right, top = Self.top, bottom = Self.top + Self.plotHeight
        let xs = NiceScale.linear(0, chart.timeRange ?? chart.lastTime, count: 5)
        let ys = NiceScale.linear(0, 1, count: 6)
        let riskTop = bottom + 30
        // As tall as a panel with every group of the legend, so that the panels of a row align.
        let rows = max(curves.count, groups.count)
        var canvas = SVGCanvas(width: SVGCanvas.panelWidth, height: riskTop + Self.rowHeight * Double(rows) + 5)
        func x(_ t: Double) -> Double { left + xs.fraction(t) * (right - left) }
        func y(_ s: Double) -> Double { bottom - ys.fraction(s) * (bottom - top) }

        for (tick, label) in zip(ys.ticks, ys.labels) {
            if tick > 0 { canvas.line(left, y(tick), right, y(tick), class: "gr") }
            canvas.line(left - 3, y(tick), left, y(tick), class: "ax")
            canvas.text(label, left - 5, y(tick) + 3.5, anchor: "end", class: "s")
        }
        for (tick, label) in zip(xs.ticks, xs.labels) {
            canvas.line(x(tick), bottom, x(tick), bottom + 3, class: "ax")
            canvas.text(label, x(tick), bottom + 13, anchor: "middle", class: "s")
        }
        canvas.line(left, top, left, bottom, class: "ax")
        canvas.line(left, bottom, right, bottom, class: "ax")

        for curve in curves {
            let color = color(curve.group)
            chart.drawCurve(curve, color: color, on: &canvas, x: x, y: y)
            if chart.showMedians, let median = curve.median, median <= xs.upper {
                canvas.path("M\(c(left)) \(c(y(0.5)))H\(c(x(median)))V\(c(bottom))", class: "ref", style: "stroke:\(color)")
            }
        }
        drawCounts(on: &canvas, curves: curves, right: right, top: top)

        // Numbers at risk: a swatch in the group's colour names the row (the legend says whose).
        canvas.text("At risk", 2, riskTop - 4, class: "s")
        for (i, curve) in curves.enumerated() {
            let rowY = riskTop + Self.rowHeight * Double(i) + 6
            canvas.path("M2 \(c(rowY - 3.5))H14", class: "cv", style: "stroke:\(color(curve.group))")
            for tick in xs.ticks {
                canvas.text(TextFormat.count(curve.atRisk(tick)), x(tick), rowY, anchor: "middle", class: "s")
            }
        }
        return canvas.svg(title: chart.title, description: chart.description, id: id, class: "chart compact",
                          extraStyle: Self.style)
    }

    /// `n` and events (and the median when asked) per group in the upper right, where survival
    /// curves leave room, each after a short line in its colour, as a legend without the names.
    private func drawCounts(on canvas: inout SVGCanvas, curves: [SurvivalCurve], right: Double, top: Double) {
        let lines = curves.map { curve -> String in
            var line = "n = \(TextFormat.count(curve.n)), \(TextFormat.events(curve.events))"
            if chart.showMedians { line += curve.median.map { ", median \(TextFormat.value($0))" } ?? ", median NR" }
            return line
        }
        // About 5.6 units a character at 10-unit Helvetica; the block ends at the plot's right edge.
        let textWidth = 5.6 * Double(lines.map(\.count).max() ?? 0)
        // A long line (medians, large counts) starts no further left than the panel's edge.
        let swatch = max(2, right - 2 - textWidth - 16)
        var ly = top + 11
        for (curve, line) in zip(curves, lines) {
            canvas.path("M\(c(swatch)) \(c(ly - 3.5))H\(c(swatch + 12))", class: "cv", style: "stroke:\(color(curve.group))")
            canvas.text(line, swatch + 16, ly, class: "s")
            ly += 12
        }
    }

    /// The panel's one text class: the smallest size, in ink.
    static let style = "<style>.s{font-size:\(TextFormat.coordinate(SVGCanvas.smallestFontSize))px;fill:\(Palette.ink)}</style>\n"

    private func c(_ v: Double) -> String { TextFormat.coordinate(v) }
}

extension SmallMultiples {
    /// Kaplan-Meier charts as small multiples: compact panels on one time axis (the longest
    /// follow-up of all, unless the charts set one), coloured by one legend, with the axis titles
    /// of the first chart (the figure's, shared by all) drawn once; `id` prefixes each panel's ids.
    public static func kaplanMeier(_ charts: [KaplanMeierChart], id: String) -> SmallMultiples {
        let range = charts.map(\.lastTime).max() ?? 1
        let groups = KaplanMeierPanel.legend(charts)
        let panels = charts.enumerated().map { k, chart in
            var chart = chart
            if chart.timeRange == nil { chart.timeRange = range }
            return FigurePanels.Panel(label: chart.title, markup: KaplanMeierPanel(chart: chart, groups: groups).svg(id: "\(id)-\(k + 1)"),
                                      markdown: "> \(chart.description)")
        }
        let legend = groups.enumerated().map { i, group in Key(label: group, color: Palette.color(i)) }
        return SmallMultiples(panels: panels, legend: legend, xTitle: charts.first?.xLabel ?? "Time",
                              yTitle: charts.first?.yLabel ?? "Survival probability")
    }
}
