/// Survival curves as SVG step paths: horizontal then vertical segments (a Kaplan-Meier estimate
/// is constant between event times and drops at them, so straight lines between points would
/// misdraw it), thinned in pixel space so a 100,000-step curve stays a few kilobytes.
public enum StepPath {
    /// A point of a step function in pixels: the value `y` holds from `x` until the next point.
    public struct Point: Equatable, Sendable {
        /// Horizontal position in pixels.
        public var x: Double
        /// Vertical position in pixels.
        public var y: Double

        /// Creates a point.
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// Thins a step function in pixel space: consecutive points closer than `minimumWidth` pixels to
    /// the last kept one merge into it, taking the latest value, so every horizontal run that
    /// remains is at least `minimumWidth` wide (except the final one, which ends at `end`), and
    /// points that do not change the value are dropped. Where points merge, the drawn curve moves
    /// by less than `minimumWidth` in x and never in y at a kept point.
    ///
    /// - Complexity: O(n), one pass.
    public static func thin(_ points: [Point], minimumWidth: Double = 0.5) -> [Point] {
        guard var current = points.first else { return [] }
        var kept: [Point] = []
        kept.reserveCapacity(min(points.count, 4096))
        for p in points.dropFirst() {
            if p.y == current.y { continue }
            if p.x - current.x < minimumWidth {
                // Too close to draw apart: the drop lands at the kept x, with the latest value.
                current.y = p.y
                continue
            }
            if kept.last?.y != current.y { kept.append(current) }
            current = p
        }
        if kept.last?.y != current.y { kept.append(current) }
        return kept
    }

    /// The SVG path data of a step function through `points`, extended horizontally to `end`:
    /// `M x0 y0 h… v… h… v… … h…`, relative moves at a tenth of a pixel (finer than any screen
    /// or printer shows at the figure's size), each measured from the rounded previous position so
    /// rounding never accumulates.
    public static func data(_ points: [Point], end: Double) -> String {
        guard let first = points.first else { return "" }
        var pen = Pen(first)
        for p in points.dropFirst() {
            pen.horizontal(p.x)
            pen.vertical(p.y)
        }
        if end > points[points.count - 1].x { pen.horizontal(end) }
        return pen.out
    }

    /// The closed SVG path of a band between two step functions sharing x positions (upper drawn
    /// forwards, lower backwards), extended to `end`. Both arrays must have the same x values.
    public static func band(upper: [Point], lower: [Point], end: Double) -> String {
        guard let first = upper.first, let last = lower.last, upper.count == lower.count else { return "" }
        var pen = Pen(first)
        for p in upper.dropFirst() {
            pen.horizontal(p.x)
            pen.vertical(p.y)
        }
        pen.horizontal(end)
        pen.vertical(last.y)
        var i = lower.count - 1
        while i > 0 {
            pen.horizontal(lower[i].x)
            pen.vertical(lower[i - 1].y)
            i -= 1
        }
        pen.horizontal(lower[0].x)
        pen.out += "Z"
        return pen.out
    }

    /// Writes relative moves in tenths of a pixel, skipping moves that round to nothing and
    /// joining runs of horizontal moves (where only the other limit of a band stepped).
    struct Pen {
        private var text: String
        private var x: Int, y: Int
        /// Where the pending horizontal move started, if one is pending.
        private var horizontalFrom: Int?

        init(_ start: Point) {
            x = Pen.tenths(start.x)
            y = Pen.tenths(start.y)
            text = "M" + Pen.text(x) + " " + Pen.text(y)
        }

        /// The path data so far.
        var out: String {
            get {
                guard let from = horizontalFrom, from != x else { return text }
                return text + "h" + Pen.text(x - from)
            }
            set {
                flush()
                text = newValue
            }
        }

        mutating func horizontal(_ to: Double) {
            if horizontalFrom == nil { horizontalFrom = x }
            x = Pen.tenths(to)
        }

        mutating func vertical(_ to: Double) {
            let t = Pen.tenths(to)
            guard t != y else { return }
            flush()
            text += "v" + Pen.text(t - y)
            y = t
        }

        private mutating func flush() {
            if let from = horizontalFrom, from != x { text += "h" + Pen.text(x - from) }
            horizontalFrom = nil
        }

        static func tenths(_ v: Double) -> Int { Int((v * 10).rounded()) }

        /// `12.3`, `-.5`, `7`: tenths as the shortest SVG number.
        static func text(_ tenths: Int) -> String {
            let sign = tenths < 0 ? "-" : ""
            let a = abs(tenths)
            let whole = a / 10, fraction = a % 10
            if fraction == 0 { return sign + String(whole) }
            return sign + (whole == 0 ? "" : String(whole)) + "." + String(fraction)
        }
    }

    /// Thins a band: the x positions kept are those where either limit moves by at least
    /// `minimumWidth` from the last kept x, so upper and lower stay aligned.
    public static func thinBand(upper: [Point], lower: [Point], minimumWidth: Double = 0.5) -> (upper: [Point], lower: [Point]) {
        guard var currentU = upper.first, var currentL = lower.first, upper.count == lower.count else { return ([], []) }
        var keptU: [Point] = [], keptL: [Point] = []
        for i in upper.indices.dropFirst() {
            let u = upper[i], l = lower[i]
            if u.y == currentU.y && l.y == currentL.y { continue }
            if u.x - currentU.x < minimumWidth {
                currentU.y = u.y
                currentL.y = l.y
                continue
            }
            if keptU.last?.y != currentU.y || keptL.last?.y != currentL.y {
                keptU.append(currentU)
                keptL.append(currentL)
            }
            currentU = u
            currentL = l
        }
        if keptU.last?.y != currentU.y || keptL.last?.y != currentL.y {
            keptU.append(currentU)
            keptL.append(currentL)
        }
        return (keptU, keptL)
    }
}
