/// A Kaplan-Meier figure as a journal prints it: one step function per group with a shaded
/// confidence band (itself a step function), censoring ticks, round axis ticks, a legend with n
/// per group, the log-rank p when given, optional median lines, and the numbers at risk under
/// the plot aligned to the x ticks.
public struct KaplanMeierChart: Sendable {
    /// The values drawn.
    public var result: KaplanMeierResult
    /// The log-rank test of the same groups, printed under the legend.
    public var logRank: LogRankResult?
    /// Figure title, used for the SVG `<title>`.
    public var title: String
    /// X-axis label with unit, e.g. `Time (days)`.
    public var xLabel: String
    /// Y-axis label.
    public var yLabel: String
    /// Dashed lines from 50 % survival to each group's median.
    public var showMedians: Bool
    /// Shaded confidence bands.
    public var showConfidence: Bool
    /// The longest time the x axis must reach; set to the largest over a figure's panels so
    /// small multiples share one axis (nil: this result's own last time).
    public var timeRange: Double? = nil

    /// Creates a chart; `xLabel` defaults to the result's time column name.
    public init(result: KaplanMeierResult, logRank: LogRankResult? = nil, title: String, xLabel: String? = nil,
                yLabel: String = "Survival probability", showMedians: Bool = false, showConfidence: Bool = true) {
        self.result = result
        self.logRank = logRank
        self.title = title
        self.xLabel = xLabel ?? result.timeName
        self.yLabel = yLabel
        self.showMedians = showMedians
        self.showConfidence = showConfidence
    }

    /// Plot width in pixels at 100 %; thinning keeps every step wider than half of one of these.
    static let width = SVGCanvas.chartWidth

    /// The last time any curve reaches (1 when there are none).
    public var lastTime: Double { result.curves.compactMap { $0.steps.last?.time }.max() ?? 1 }

    /// The SVG; `id` makes the `<title>`/`<desc>` ids unique within a page.
    public func svg(id: String) -> String {
        let curves = result.curves
        let labelWidth = max(64, 28 + 6.2 * Double(curves.map { $0.group.count }.max() ?? 0))
        let left = labelWidth, right = Self.width - 24, top = 14.0, bottom = 294.0
        let maxTime = timeRange ?? lastTime
        let xs = NiceScale.linear(0, maxTime, count: 7)
        let ys = NiceScale.linear(0, 1, count: 6)
        let riskTop = bottom + 62
        let height = riskTop + 18 * Double(curves.count) + 8
        var canvas = SVGCanvas(width: Self.width, height: height)
        func x(_ t: Double) -> Double { left + xs.fraction(t) * (right - left) }
        func y(_ s: Double) -> Double { bottom - ys.fraction(s) * (bottom - top) }

        // Grid and axes first so the data sits on top.
        for (tick, label) in zip(ys.ticks, ys.labels) {
            if tick > 0 { canvas.line(left, y(tick), right, y(tick), class: "gr") }
            canvas.line(left - 4, y(tick), left, y(tick), class: "ax")
            canvas.text(label, left - 7, y(tick) + 4, anchor: "end")
        }
        for (tick, label) in zip(xs.ticks, xs.labels) {
            canvas.line(x(tick), bottom, x(tick), bottom + 4, class: "ax")
            canvas.text(label, x(tick), bottom + 17, anchor: "middle")
        }
        canvas.line(left, top, left, bottom, class: "ax")
        canvas.line(left, bottom, right, bottom, class: "ax")
        canvas.text(xLabel, (left + right) / 2, bottom + 36, anchor: "middle")
        canvas.verticalText(yLabel, 14, (top + bottom) / 2)

        for (i, curve) in curves.enumerated() {
            drawCurve(curve, color: Palette.color(i), on: &canvas, x: x, y: y)
        }

        if showMedians {
            for (i, curve) in curves.enumerated() {
                guard let median = curve.median, median <= xs.upper else { continue }
                canvas.path("M\(c(left)) \(c(y(0.5)))H\(c(x(median)))V\(c(bottom))", class: "ref",
                            style: "stroke:\(Palette.color(i))")
            }
        }

        drawLegend(on: &canvas, curves: curves, right: right, top: top)

        // Numbers at risk, one row per group, each count centred under its x tick.
        canvas.text("Number at risk", 4, riskTop - 10, class: "h")
        for (i, curve) in curves.enumerated() {
            let rowY = riskTop + 18 * Double(i) + 8
            canvas.text(curve.group, 4, rowY, style: "fill:\(Palette.color(i))")
            for tick in xs.ticks {
                canvas.text(TextFormat.count(curve.atRisk(tick)), x(tick), rowY, anchor: "middle")
            }
        }
        return canvas.svg(title: title, description: description, id: id)
    }

    /// The legend in the upper right, where survival curves leave room; as wide as its longest
    /// label (about 6 px a character at 11 px Helvetica), with the log-rank p below it.
    private func drawLegend(on canvas: inout SVGCanvas, curves: [SurvivalCurve], right: Double, top: Double) {
        let labels = curves.map { legendLabel($0) }
        let legendX = right - 4 - max(200, 34 + 6.1 * Double(labels.map(\.count).max() ?? 0))
        var ly = top + 14
        for (i, label) in labels.enumerated() {
            let color = Palette.color(i)
            canvas.path("M\(c(legendX)) \(c(ly - 4))H\(c(legendX + 22))", class: "cv", style: "stroke:\(color)")
            canvas.text(label, legendX + 28, ly)
            ly += 16
        }
        if let logRank {
            let test = logRank.rho == 0 ? "Log-rank" : "Peto-Peto"
            canvas.text("\(test) \(TextFormat.pEquals(logRank.p))", legendX, ly + 2)
        }
    }

    /// `group (n = 138, 112 events[, median 270])`.
    func legendLabel(_ curve: SurvivalCurve) -> String {
        var label = "\(curve.group) (n = \(TextFormat.count(curve.n)), \(TextFormat.events(curve.events))"
        if showMedians { label += curve.median.map { ", median \(TextFormat.value($0))" } ?? ", median not reached" }
        return label + ")"
    }

    /// A sentence for screen readers: each group's size, events and median, and the test.
    public var description: String {
        var parts = result.curves.map { curve in
            "\(curve.group): n = \(TextFormat.count(curve.n)), \(TextFormat.events(curve.events)), median "
                + (curve.median.map { TextFormat.value($0) } ?? "not reached")
        }
        if let logRank { parts.append("log-rank \(TextFormat.pEquals(logRank.p))") }
        let bands = showConfidence ? " with \(Int((result.confLevel * 100).rounded())) % confidence bands" : ""
        return "Kaplan-Meier survival estimates\(bands). " + parts.joined(separator: "; ") + "."
    }

    /// Contiguous stretches where both limits are defined, starting with time 0 at (1, 1);
    /// the band stops where R's survfit stops it (limits undefined once survival reaches 0).
    func confidenceRuns(_ curve: SurvivalCurve) -> [[(time: Double, lower: Double, upper: Double)]] {
        var runs: [[(time: Double, lower: Double, upper: Double)]] = []
        var run: [(time: Double, lower: Double, upper: Double)] = [(0, 1, 1)]
        run.reserveCapacity(curve.steps.count + 1)
        for step in curve.steps {
            if let lower = step.lower, let upper = step.upper, lower.isFinite, upper.isFinite {
                run.append((step.time, lower, upper))
            } else {
                // The last limits hold until this step, where they become undefined.
                if let last = run.last {
                    run.append((step.time, last.lower, last.upper))
                    if run.count > 1 { runs.append(run) }
                }
                run = []
            }
        }
        if run.count > 1 { runs.append(run) }
        return runs
    }

    /// One path of short vertical ticks at censoring times, thinned where they would overlap.
    /// One group's confidence band (when drawn), step curve and censor ticks: the same marks in a
    /// full chart and in a small-multiple panel.
    func drawCurve(_ curve: SurvivalCurve, color: String, on canvas: inout SVGCanvas,
                   x: (Double) -> Double, y: (Double) -> Double) {
        let end = x(curve.steps.last?.time ?? 0)
        if showConfidence {
            for run in confidenceRuns(curve) {
                let upper = run.map { StepPath.Point(x: x($0.time), y: y($0.upper)) }
                let lower = run.map { StepPath.Point(x: x($0.time), y: y($0.lower)) }
                let thinned = StepPath.thinBand(upper: upper, lower: lower)
                let runEnd = run.last!.time == curve.steps.last?.time ? end : x(run.last!.time)
                canvas.path(StepPath.band(upper: thinned.upper, lower: thinned.lower, end: runEnd), class: "bd",
                            style: "fill:\(color)")
            }
        }
        var points = [StepPath.Point(x: x(0), y: y(1))]
        points.reserveCapacity(curve.steps.count + 1)
        for step in curve.steps { points.append(StepPath.Point(x: x(step.time), y: y(step.survival))) }
        canvas.path(StepPath.data(StepPath.thin(points), end: end), class: "cv", style: "stroke:\(color)")
        canvas.path(censorTicks(curve, x: x, y: y), class: "ck", style: "stroke:\(color)")
    }

    func censorTicks(_ curve: SurvivalCurve, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var out = ""
        var last = (x: -Double.infinity, y: -Double.infinity)
        for step in curve.steps where step.nCensor > 0 {
            let px = x(step.time), py = y(step.survival)
            // Ticks closer than 1.5 px at the same height draw as one mark with their 1 px strokes.
            if px - last.x < 1.5 && abs(py - last.y) < 1 { continue }
            last = (px, py)
            out += "M\(c(px)) \(c(py - 3.5))v7"
        }
        return out
    }

    private func c(_ v: Double) -> String { TextFormat.coordinate(v) }
}
