/// Gaussian elimination with partial pivoting (as R's `solve`, LAPACK dgesv) for the small dense
/// systems of the k-sample tests (log-rank, Gray): one implementation, so both tests agree on
/// how a system is solved.
enum GaussianElimination {
    /// Solves `matrix · x = vector`. With `singularBelow`, nil when a pivot is smaller than that
    /// fraction of the largest diagonal entry (the matrix is singular to working precision).
    static func solve(_ matrix: [[Double]], _ vector: [Double], singularBelow tolerance: Double? = nil) -> [Double]? {
        var scale = 0.0
        if tolerance != nil {
            scale = matrix.indices.map { abs(matrix[$0][$0]) }.max() ?? 0
            guard scale > 0, scale.isFinite else { return nil }
        }
        var a = matrix, b = vector
        let m = b.count
        for column in 0..<m {
            var pivot = column
            for row in column + 1..<m where abs(a[row][column]) > abs(a[pivot][column]) { pivot = row }
            if let tolerance, !(abs(a[pivot][column]) > tolerance * scale) { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in column + 1..<m {
                let factor = a[row][column] / a[column][column]
                for c in column..<m { a[row][c] -= factor * a[column][c] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for row in stride(from: m - 1, through: 0, by: -1) {
            var sum = b[row]
            for c in row + 1..<m { sum -= a[row][c] * x[c] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
