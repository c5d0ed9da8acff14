/// The generalized Cholesky decomposition `survival::coxph` uses (R's cholesky2, chsolve2 and
/// chinv2): a singular pivot is set to zero instead of failing, so a collinear or monotone
/// direction gets a zero step and a zero variance rather than a crash.
enum CoxLinearAlgebra {
    /// Factors a symmetric matrix in place as L·D·L' (D on the diagonal, L below it) and returns its rank.
    @discardableResult
    static func cholesky(_ matrix: inout [[Double]], tolerance: Double) -> Int {
        let n = matrix.count
        var largest = 0.0
        for i in 0..<n where matrix[i][i] > largest { largest = matrix[i][i] }
        let eps = largest == 0 ? tolerance : largest * tolerance
        var rank = 0
        for i in 0..<n {
            let pivot = matrix[i][i]
            if !pivot.isFinite || pivot < eps {
                matrix[i][i] = 0
                continue
            }
            rank += 1
            for j in (i + 1)..<max(n, i + 1) {
                let temp = matrix[j][i] / pivot
                matrix[j][i] = temp
                matrix[j][j] -= temp * temp * pivot
                for k in (j + 1)..<max(n, j + 1) { matrix[k][j] -= temp * matrix[k][i] }
            }
        }
        return rank
    }

    /// Solves A·x = y given the factor of A from `cholesky`; singular directions get 0.
    static func solve(_ factor: [[Double]], _ y: [Double]) -> [Double] {
        let n = factor.count
        var x = y
        for i in 0..<n {
            var temp = x[i]
            for j in 0..<i { temp -= x[j] * factor[i][j] }
            x[i] = temp
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            if factor[i][i] == 0 {
                x[i] = 0
                continue
            }
            var temp = x[i] / factor[i][i]
            for j in (i + 1)..<max(n, i + 1) { temp -= x[j] * factor[j][i] }
            x[i] = temp
        }
        return x
    }

    /// The inverse of A from its factor; rows and columns of singular directions are 0.
    static func inverse(_ factor: [[Double]]) -> [[Double]] {
        let n = factor.count
        var columns = [[Double]]()
        for j in 0..<n {
            var unit = [Double](repeating: 0, count: n)
            unit[j] = 1
            var column = solve(factor, unit)
            for i in 0..<n where factor[i][i] == 0 || factor[j][j] == 0 { column[i] = 0 }
            columns.append(column)
        }
        // Symmetrize: average the two rounding paths so var[i][j] == var[j][i] exactly.
        var result = columns
        for i in 0..<n { for j in 0..<i { let m = (columns[i][j] + columns[j][i]) / 2; result[i][j] = m; result[j][i] = m } }
        return result
    }
}
