/// Power of a simulated trial against sample size: one line per hazard ratio, Monte Carlo error
/// bars (± 1.96 standard errors, the interval the simulation's own noise allows), the 80 % target
/// as a dashed line, and Schoenfeld's approximation dotted beside each line when the result has it.
public struct PowerChart: Sendable {
    /// The values drawn.
    public var result: TrialPowerResult
    /// Heading or figure title.
    public var title: String
    /// X-axis label with unit.
    public var xLabel: String
    /// The target power drawn as a reference line.
    public var target: Double

    /// Creates a chart.
    public init(result: TrialPowerResult, title: String, xLabel: String = "Sample size (patients)", target: Double = 0.8) {
        self.result = result
        self.title = title
        self.xLabel = xLabel
        self.target = target
    }

    static let width = SVGCanvas.chartWidth

    /// The SVG; `id` makes the `<title>`/`<desc>` ids unique within a page.
    public func svg(id: String) -> String {
        let left = 64.0, right = Self.width - 24, top = 14.0, bottom = 294.0
        let height = bottom + 46
        let sizes = result.cells.map { Double($0.sampleSize) }
        let xs = NiceScale.linear(0, sizes.max() ?? 1, count: 7)
        let ys = NiceScale.linear(0, 1, count: 6)
        func x(_ n: Double) -> Double { left + xs.fraction(n) * (right - left) }
        func y(_ p: Double) -> Double { bottom - ys.fraction(min(max(p, 0), 1)) * (bottom - top) }

        var canvas = SVGCanvas(width: Self.width, height: height)
        for tick in ys.ticks {
            if tick > 0 { canvas.line(left, y(tick), right, y(tick), class: "gr") }
            canvas.line(left - 4, y(tick), left, y(tick), class: "ax")
            canvas.text("\(Int((tick * 100).rounded())) %", left - 7, y(tick) + 4, anchor: "end")
        }
        for (tick, label) in zip(xs.ticks, xs.labels) {
            canvas.line(x(tick), bottom, x(tick), bottom + 4, class: "ax")
            canvas.text(label, x(tick), bottom + 17, anchor: "middle")
        }
        canvas.line(left, top, left, bottom, class: "ax")
        canvas.line(left, bottom, right, bottom, class: "ax")
        canvas.text(xLabel, (left + right) / 2, bottom + 36, anchor: "middle")
        canvas.verticalText("Power", 14, (top + bottom) / 2)
        canvas.line(left, y(target), right, y(target), class: "ref")
        canvas.text("\(Int((target * 100).rounded())) % power", left + 6, y(target) - 5, class: "m")

        let ratios = result.hazardRatios
        let hasApproximation = result.cells.contains { $0.schoenfeldPower != nil }
        for (i, hr) in ratios.enumerated() {
            let color = Palette.color(i)
            let cells = result.cells.filter { $0.hazardRatio == hr }.sorted { $0.sampleSize < $1.sampleSize }
            var line = "", approximation = "", bars = ""
            for cell in cells {
                let px = x(Double(cell.sampleSize))
                line += (line.isEmpty ? "M" : "L") + "\(c(px)) \(c(y(cell.power)))"
                if let s = cell.schoenfeldPower {
                    approximation += (approximation.isEmpty ? "M" : "L") + "\(c(px)) \(c(y(s)))"
                }
                let half = 1.96 * cell.mcSE
                if half.isFinite && half > 0 {
                    let y1 = y(cell.power - half), y2 = y(cell.power + half)
                    bars += "M\(c(px)) \(c(y1))V\(c(y2))M\(c(px - 3)) \(c(y1))h6M\(c(px - 3)) \(c(y2))h6"
                }
            }
            canvas.path(approximation, class: "ap", style: "stroke:\(color)")
            canvas.path(bars, class: "wh", style: "stroke:\(color);stroke-width:1")
            canvas.path(line, class: "ln", style: "stroke:\(color)")
            for cell in cells {
                canvas.circle(x(Double(cell.sampleSize)), y(cell.power), r: 3, class: "pt", style: "fill:\(color)")
            }
        }

        // Legend lower right: power rises with sample size, so that corner stays clear.
        let rowCount = Double(ratios.count + (hasApproximation ? 1 : 0))
        var ly = bottom - 10 - 16 * (rowCount - 1)
        for (i, hr) in ratios.enumerated() {
            canvas.path("M\(c(right - 190)) \(c(ly - 4))H\(c(right - 168))", class: "ln", style: "stroke:\(Palette.color(i))")
            canvas.text("HR = \(TextFormat.coordinate(hr))", right - 162, ly)
            ly += 16
        }
        if hasApproximation {
            canvas.path("M\(c(right - 190)) \(c(ly - 4))H\(c(right - 168))", class: "ap", style: "stroke:\(Palette.muted)")
            canvas.text("Schoenfeld approximation", right - 162, ly)
        }
        return canvas.svg(title: title, description: description, id: id)
    }

    /// A sentence per hazard ratio for screen readers: the smallest simulated size reaching the target.
    public var description: String {
        let parts = result.hazardRatios.map { hr -> String in
            let reaching = result.cells.filter { $0.hazardRatio == hr && $0.power >= target }.map(\.sampleSize).min()
            return "HR \(TextFormat.coordinate(hr)): " + (reaching.map { "\(Int((target * 100).rounded())) % power from n = \($0)" }
                ?? "below \(Int((target * 100).rounded())) % at every simulated size")
        }
        return "Simulated power against sample size with Monte Carlo 95 % error bars. " + parts.joined(separator: "; ") + "."
    }

    private func c(_ v: Double) -> String { TextFormat.coordinate(v) }
}
