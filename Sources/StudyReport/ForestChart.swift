/// A forest plot of Cox results: one row per term with the hazard ratio as a square and its
/// confidence interval as a whisker on a log axis, a dashed reference line at HR = 1, and the
/// numbers (HR, 95 % CI, p) in aligned columns beside it. Several models or subgroups stack as
/// labelled blocks in one plot, each in its own palette colour.
public struct ForestChart: Sendable {
    /// One model or subgroup: a label and its Cox result.
    public struct Model: Sendable {
        /// Block heading (empty for a single unlabelled model).
        public var label: String
        /// The values drawn.
        public var result: CoxResult

        /// Creates a model block.
        public init(label: String, result: CoxResult) {
            self.label = label
            self.result = result
        }
    }

    /// Blocks in the order drawn.
    public var models: [Model]
    /// Heading or figure title.
    public var title: String
    /// Axis label under the plot.
    public var xLabel: String
    /// Row labels of the terms.
    public var labels: TermLabels

    /// Creates a chart.
    public init(models: [Model], title: String, xLabel: String = "Hazard ratio (log scale)", labels: TermLabels = TermLabels()) {
        self.models = models
        self.title = title
        self.xLabel = xLabel
        self.labels = labels
    }

    static let width = SVGCanvas.chartWidth
    static let rowHeight = 20.0
    /// Axis limits: intervals reaching past these end in an arrow instead of stretching the axis.
    static let floor = 0.01, ceiling = 100.0

    /// The SVG; `id` makes the `<title>`/`<desc>` ids unique within a page.
    public func svg(id: String) -> String {
        let showModels = models.count > 1 || models.contains { !$0.label.isEmpty }
        let footnotes = models.map { CoxFootnotes($0.result) }
        var rows: [(label: String, model: Int, term: CoxResult.Term?)] = []
        for (m, model) in models.enumerated() {
            if showModels { rows.append((model.label, m, nil)) }
            for term in model.result.terms {
                let mark = footnotes[m].marks[term.term] ?? ""
                rows.append((labels.label(term) + (mark.isEmpty ? "" : " " + mark), m, term))
            }
        }
        var notes: [String] = []
        for line in footnotes.flatMap(\.notes) where !notes.contains(line) { notes.append(line) }
        let longest = rows.map { $0.label.count + ($0.term != nil && showModels ? 2 : 0) }.max() ?? 4
        let left = 8.0, labelWidth = max(120, 6.4 * Double(longest) + 16)
        let plotLeft = left + labelWidth, plotRight = Self.width - 300
        let nX = plotRight + 70, hrX = plotRight + 116, ciX = plotRight + 208, pX = Self.width - 10
        let top = 30.0
        let bottom = top + Self.rowHeight * Double(rows.count) + 6
        let height = bottom + 44 + 18 * Double(notes.count)
        let xs = axis

        func x(_ hr: Double) -> Double {
            plotLeft + min(max(xs.fraction(min(max(hr, xs.lower), xs.upper)), 0), 1) * (plotRight - plotLeft)
        }
        var canvas = SVGCanvas(width: Self.width, height: height)
        canvas.text(showModels ? "Model / term" : "Term", left, top - 12, class: "h")
        canvas.text("n / events", nX, top - 12, anchor: "end", class: "h")
        canvas.text("HR", hrX, top - 12, anchor: "end", class: "h")
        canvas.text("95 % CI", ciX, top - 12, anchor: "end", class: "h")
        canvas.text("p", pX, top - 12, anchor: "end", class: "h")
        canvas.line(left, top - 6, Self.width - 8, top - 6, class: "gr")

        for tick in xs.ticks { canvas.line(x(tick), top - 2, x(tick), bottom, class: "gr") }
        if xs.lower <= 1 && 1 <= xs.upper { canvas.line(x(1), top - 2, x(1), bottom, class: "ref") }
        canvas.line(plotLeft, bottom, plotRight, bottom, class: "ax")
        for (tick, label) in zip(xs.ticks, xs.labels) {
            canvas.line(x(tick), bottom, x(tick), bottom + 4, class: "ax")
            canvas.text(label, x(tick), bottom + 16, anchor: "middle")
        }
        canvas.text(xLabel, (plotLeft + plotRight) / 2, bottom + 34, anchor: "middle")
        for (k, note) in notes.enumerated() { canvas.text(note, left, bottom + 52 + 18 * Double(k)) }

        for (r, row) in rows.enumerated() {
            let cy = top + Self.rowHeight * (Double(r) + 0.5)
            let color = Palette.color(row.model)
            guard let term = row.term else {
                canvas.text(row.label, left, cy + 4, class: "h", style: "fill:\(color)")
                continue
            }
            let result = models[row.model].result
            canvas.text(row.label, left + (showModels ? 12 : 0), cy + 4)
            canvas.text("\(TextFormat.count(result.n)) / \(TextFormat.count(result.events))", nX, cy + 4, anchor: "end")
            canvas.text(CoxFootnotes.ratio(term.hr), hrX, cy + 4, anchor: "end")
            canvas.text(CoxFootnotes.interval(term), ciX, cy + 4, anchor: "end")
            canvas.text(TextFormat.pValue(term.p), pX, cy + 4, anchor: "end")
            guard term.hr.isFinite, term.hr > 0 else { continue }
            let lo = term.hrLower ?? 0, hi = term.hrUpper ?? .infinity
            let x1 = x(lo), x2 = x(hi)
            var d = "M\(c(x1)) \(c(cy))H\(c(x2))"
            if !(lo >= xs.lower) { d += "M\(c(x1 + 5)) \(c(cy - 4))L\(c(x1)) \(c(cy))L\(c(x1 + 5)) \(c(cy + 4))" }
            if !(hi <= xs.upper) { d += "M\(c(x2 - 5)) \(c(cy - 4))L\(c(x2)) \(c(cy))L\(c(x2 - 5)) \(c(cy + 4))" }
            canvas.path(d, class: "wh", style: "stroke:\(color)")
            canvas.rect(x(term.hr) - 4, cy - 4, 8, 8, class: "pt", style: "fill:\(color)")
        }
        return canvas.svg(title: title, description: description, id: id)
    }

    /// The log axis fitted to the intervals drawn: from the lowest lower bound to the highest upper
    /// bound (and 1, the reference), with a tenth of margin beyond the data. A term whose estimate may
    /// be infinite, or whose interval is not estimable, counts by its estimate only when that is
    /// within 0.01–100, so one degenerate term cannot stretch the axis to 0.01–100 for all others
    /// (its whisker ends in an arrow).
    var axis: NiceScale {
        var values: [Double] = []
        for term in models.flatMap(\.result.terms) {
            if CoxFootnotes.bounded(term) && !term.mayBeInfinite {
                values += [term.hr, term.hrLower!, term.hrUpper!]
            } else if term.hr.isFinite, term.hr >= Self.floor, term.hr <= Self.ceiling {
                values.append(term.hr)
            }
        }
        values = values.filter { $0.isFinite && $0 > 0 }.map { min(max($0, Self.floor), Self.ceiling) }
        // The margin pads the data, not the reference line at 1.
        return NiceScale.log(min((values.min() ?? 1) / 1.1, 1), max((values.max() ?? 1) * 1.1, 1))
    }

    /// A sentence per term for screen readers.
    public var description: String {
        let parts = models.flatMap { model in
            model.result.terms.map { term -> String in
                let text = (model.label.isEmpty ? "" : model.label + ", ") + "\(labels.label(term)): HR \(CoxFootnotes.ratio(term.hr))"
                    + " (95 % CI \(CoxFootnotes.ratio(term.hrLower)) to \(CoxFootnotes.ratio(term.hrUpper))), "
                    + "\(TextFormat.pEquals(term.p)), n = \(TextFormat.count(model.result.n)), "
                    + TextFormat.events(model.result.events)
                return term.mayBeInfinite ? text + ", coefficient may be infinite (monotone likelihood)" : text
            }
        }
        return "Forest plot of Cox proportional hazards estimates on a log scale. " + parts.joined(separator: "; ") + "."
    }

    private func c(_ v: Double) -> String { TextFormat.coordinate(v) }
}
