/// The numeric design matrix of a Cox model, built from data columns the way R's `model.matrix`
/// builds it for `survival::coxph`: treatment coding for categories, products for interactions,
/// and rows with a missing value in any used column dropped (`na.action = na.omit`).
///
/// ```swift
/// let design = try CoxDesign.build([
///     CoxVariable("age", .numeric(age)),
///     CoxVariable("celltype", .categorical(celltype)),
/// ])
/// let model = try CoxModel.fit(survival, design: design)
/// ```
public struct CoxDesign: Sendable, Equatable {
    /// Column names, e.g. `age`, `celltype=smallcell`, `arm=rt:liver`.
    public var terms: [String]
    /// Column values, `columns[term][k]` for the k-th kept row.
    public var columns: [[Double]]
    /// Indices of the kept rows in the source data, ascending.
    public var rows: [Int]
    /// Number of source rows dropped because a used column was missing (R's `n_omitted_na`).
    public var omittedCount: Int
    /// The model terms and the columns each one owns (R's `assign`): a factor owns one column
    /// per non-reference level. Tests by term, such as `cox.zph`, use them.
    public var groups: [CoxDesignGroup]

    /// A design from numeric columns that are already complete (no row is dropped).
    public init(terms: [String], columns: [[Double]]) {
        precondition(terms.count == columns.count, "one name per column")
        let n = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == n }, "columns must have equal length")
        self.terms = terms
        self.columns = columns
        self.rows = Array(0..<n)
        self.omittedCount = 0
        self.groups = terms.indices.map { CoxDesignGroup(name: terms[$0], columns: [$0]) }
    }

    init(terms: [String], columns: [[Double]], rows: [Int], omittedCount: Int, groups: [CoxDesignGroup]) {
        self.terms = terms
        self.columns = columns
        self.rows = rows
        self.omittedCount = omittedCount
        self.groups = groups
    }

    /// Builds the design from main-effect variables and interactions (each a list of variable
    /// names, e.g. `["arm", "liver"]`), then rejects constant and collinear columns.
    ///
    /// Interaction variables must be among `variables`; their columns are the products of the
    /// variables' coded columns, named by joining the names with `:`.
    public static func build(_ variables: [CoxVariable], interactions: [[String]] = []) throws -> CoxDesign {
        let n = variables.first?.count ?? 0
        for variable in variables where variable.count != n {
            throw CoxError.lengthMismatch(name: variable.name, expected: n, actual: variable.count)
        }
        let byName = Dictionary(variables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in interactions.joined() where byName[name] == nil { throw CoxError.unknownColumn(name) }

        var complete = [Bool](repeating: true, count: n)
        for variable in variables { variable.markMissing(&complete) }
        let rows = (0..<n).filter { complete[$0] }
        var coded = [String: [(name: String, values: [Double])]]()
        for variable in variables { coded[variable.name] = try variable.coded(rows: rows) }

        var terms = [String]()
        var columns = [[Double]]()
        var groups = [CoxDesignGroup]()
        for variable in variables {
            groups.append(CoxDesignGroup(name: variable.name, columns: Array(terms.count..<(terms.count + coded[variable.name]!.count))))
            for column in coded[variable.name]! {
                terms.append(column.name)
                columns.append(column.values)
            }
        }
        for interaction in interactions {
            var products: [(name: String, values: [Double])] = [("", [Double](repeating: 1, count: rows.count))]
            for name in interaction {
                products = products.flatMap { left in
                    coded[name]!.map { right in
                        (left.name.isEmpty ? right.name : left.name + ":" + right.name,
                         zip(left.values, right.values).map { $0 * $1 })
                    }
                }
            }
            groups.append(CoxDesignGroup(name: interaction.joined(separator: ":"), columns: Array(terms.count..<(terms.count + products.count))))
            for product in products {
                terms.append(product.name)
                columns.append(product.values)
            }
        }
        try checkIdentifiable(terms: terms, columns: columns)
        return CoxDesign(terms: terms, columns: columns, rows: rows, omittedCount: n - rows.count, groups: groups)
    }

    /// Throws for a constant column or a column in the span of earlier ones (pivoted Cholesky of
    /// the correlation matrix, tolerance 1e-9), naming every offending term.
    static func checkIdentifiable(terms: [String], columns: [[Double]]) throws {
        let n = Double(columns.first?.count ?? 0)
        var means = [Double](), norms = [Double]()
        for (term, column) in zip(terms, columns) {
            let mean = column.reduce(0, +) / n
            var squares = 0.0, largest = 0.0
            for value in column {
                let centred = value - mean
                squares += centred * centred
                largest = max(largest, abs(value))
            }
            let norm = squares.squareRoot()
            guard norm > 1e-12 * max(1, largest) * n.squareRoot() else {
                throw CoxError.constantColumn(term)
            }
            means.append(mean)
            norms.append(norm)
        }
        // The correlation matrix, centring on the fly rather than into scaled copies of every
        // column (a million-row design would fault in 8 MB of fresh pages per column). Four
        // products of a row are summed in one pass, each in its own register, so the additions
        // overlap; the lower triangle is computed and mirrored, so the matrix is exactly symmetric.
        let p = columns.count
        var gram = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p {
            var j = 0
            while j <= i {
                let width = min(4, i + 1 - j)
                let c = (0..<4).map { j + min($0, width - 1) }
                let m0 = means[c[0]], m1 = means[c[1]], m2 = means[c[2]], m3 = means[c[3]]
                let mi = means[i]
                let sums: (Double, Double, Double, Double) = columns[i].withUnsafeBufferPointer { a in
                    columns[c[0]].withUnsafeBufferPointer { b0 in columns[c[1]].withUnsafeBufferPointer { b1 in
                    columns[c[2]].withUnsafeBufferPointer { b2 in columns[c[3]].withUnsafeBufferPointer { b3 in
                        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                        for k in 0..<a.count {
                            let x = a[k] - mi
                            s0 += x * (b0[k] - m0)
                            s1 += x * (b1[k] - m1)
                            s2 += x * (b2[k] - m2)
                            s3 += x * (b3[k] - m3)
                        }
                        return (s0, s1, s2, s3)
                    } } } }
                }
                let values = [sums.0, sums.1, sums.2, sums.3]
                for w in 0..<width {
                    let value = values[w] / (norms[i] * norms[j + w])
                    gram[i][j + w] = value
                    gram[j + w][i] = value
                }
                j += width
            }
        }
        CoxLinearAlgebra.cholesky(&gram, tolerance: 1e-9)
        let collinear = terms.indices.filter { gram[$0][$0] == 0 }.map { terms[$0] }
        if !collinear.isEmpty { throw CoxError.collinear(terms: collinear) }
    }
}

/// A model term (a variable or an interaction) and the design columns it owns.
public struct CoxDesignGroup: Sendable, Equatable {
    /// The term's name: the variable's name, or the interaction's names joined with `:`.
    public var name: String
    /// Indices into the design's `terms` and `columns`.
    public var columns: [Int]
}

/// One data column entering a Cox design, with its name.
public struct CoxVariable: Sendable, Equatable {
    /// The column's values; `nil` is missing (R's NA).
    public enum Values: Sendable, Equatable {
        /// A numeric covariate: one column named after the variable.
        case numeric([Double?])
        /// A numeric covariate as plain numbers, NaN missing: what a stage typing a column from
        /// its bytes has. Eight bytes a row instead of an optional's sixteen, and not copied when
        /// no row is dropped: a million-row design then touches tens of megabytes less memory.
        case numbers([Double])
        /// A logical covariate: one column, 1 for true.
        case boolean([Bool?])
        /// A factor with treatment coding: one 0/1 column per non-reference level, named
        /// `name=level`. `levels` fixes the order (the first is the reference); by default the
        /// levels present are sorted and the first is the reference.
        case categorical([String?], levels: [String]? = nil)
    }

    /// The variable's name, used in term names.
    public var name: String
    /// The values, one per source row.
    public var values: Values

    /// A named column.
    public init(_ name: String, _ values: Values) {
        self.name = name
        self.values = values
    }

    var count: Int {
        switch values {
        case let .numeric(v): v.count
        case let .numbers(v): v.count
        case let .boolean(v): v.count
        case let .categorical(v, _): v.count
        }
    }

    /// Sets `complete[row]` to false for every row where this variable is missing (one pass per
    /// variable instead of a lookup per row and variable).
    func markMissing(_ complete: inout [Bool]) {
        switch values {
        case let .numeric(v): for (row, x) in v.enumerated() where x == nil || x!.isNaN { complete[row] = false }
        case let .numbers(v): for (row, x) in v.enumerated() where x.isNaN { complete[row] = false }
        case let .boolean(v): for (row, x) in v.enumerated() where x == nil { complete[row] = false }
        case let .categorical(v, _): for (row, x) in v.enumerated() where x == nil { complete[row] = false }
        }
    }

    /// The coded columns over the kept rows.
    func coded(rows: [Int]) throws -> [(name: String, values: [Double])] {
        switch values {
        case let .numeric(v):
            return [(name, rows.map { v[$0]! })]
        case let .numbers(v):
            // `rows` are the complete rows in order: as many as the values means all of them.
            return [(name, rows.count == v.count ? v : rows.map { v[$0] })]
        case let .boolean(v):
            return [(name, rows.map { v[$0]! ? 1 : 0 })]
        case let .categorical(v, given):
            // Each row's value is looked up once, among the few distinct values seen so far (a
            // dictionary only when there are many), and the indicator columns compare codes: a
            // set of a million strings and a string comparison per row and level were a tenth of
            // a million-row Cox fit.
            var distinct: [String] = []
            var index: [String: Int] = [:]
            var codes = [Int](repeating: 0, count: rows.count)
            for (k, row) in rows.enumerated() {
                let value = v[row]!
                if distinct.count <= 16, let at = distinct.firstIndex(of: value) {
                    codes[k] = at
                } else if distinct.count > 16, let at = index[value] {
                    codes[k] = at
                } else {
                    codes[k] = distinct.count
                    index[value] = distinct.count
                    distinct.append(value)
                }
            }
            let present = Set(distinct)
            var levels: [String]
            if let given {
                for level in present where !given.contains(level) {
                    throw CoxError.unknownLevel(column: name, level: level)
                }
                // Unused levels are dropped, as model.frame does.
                levels = given.filter { present.contains($0) }
            } else {
                levels = present.sorted()
            }
            if levels.count == 1 { throw CoxError.singleLevel(column: name, level: levels[0]) }
            return levels.dropFirst().map { level in
                let code = distinct.firstIndex(of: level)!
                return ("\(name)=\(level)", codes.map { $0 == code ? 1 : 0 })
            }
        }
    }
}
