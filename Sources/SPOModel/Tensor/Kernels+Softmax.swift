import Foundation

/// Softmax kernels: causal attention rows and the temperature-scaled vocabulary softmax.
public enum Softmax {
    /// In place over a score matrix S [rows, ld]: row i keeps columns 0..<valid(i) where
    /// valid(i) = `firstValid + i` (causal, the query at i sees itself and everything before),
    /// p = softmax(scale · S[i, ..<valid]); columns valid..<columns are set to 0.
    public static func causalRows(
        _ scores: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int,
        scale: Float, firstValid: Int
    ) {
        for row in 0..<rows {
            let s = scores + row * ld
            let valid = min(columns, firstValid + row)
            softmaxInPlace(s, count: valid, scale: scale)
            if valid < columns { (s + valid).update(repeating: 0, count: columns - valid) }
        }
    }

    /// Backward of `causalRows`: given P and dP (in place in `gradient`), writes
    /// dS = scale · P ⊙ (dP − Σ_j P_j dP_j) over each row's valid columns, 0 elsewhere.
    public static func causalRowsBackward(
        probabilities: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>,
        rows: Int, columns: Int, ld: Int, scale: Float, firstValid: Int
    ) {
        for row in 0..<rows {
            let p = probabilities + row * ld, g = gradient + row * ld
            let valid = min(columns, firstValid + row)
            let c = Vector.dot(p, g, valid)
            var i = 0
            while i + 8 <= valid {
                Vector.store(Vector.load(p + i) * (Vector.load(g + i) - c) * scale, g + i); i += 8
            }
            while i < valid { g[i] = p[i] * (g[i] - c) * scale; i += 1 }
            if valid < columns { (g + valid).update(repeating: 0, count: columns - valid) }
        }
    }

    /// p = softmax(scale · x) in place over `count` floats; returns log Σ exp(scale·x) (the
    /// log-partition), so log p_j = scale·x_j − returned value.
    @discardableResult
    @inline(__always)
    public static func softmaxInPlace(
        _ x: UnsafeMutablePointer<Float>, count: Int, scale: Float
    ) -> Float {
        guard count > 0 else { return -.infinity }
        let m = Vector.maximum(x, count) * scale
        var sum = Vector.V8(), i = 0
        while i + 8 <= count {
            let e = FastMath.exp(Vector.load(x + i) * scale - m)
            Vector.store(e, x + i); sum += e; i += 8
        }
        var total = sum.sum()
        while i < count { let e = Foundation.exp(x[i] * scale - m); x[i] = e; total += e; i += 1 }
        Vector.scale(x, 1 / total, count)
        return m + Foundation.log(total)
    }
}

extension Softmax {
    /// Temperature softmax over one vocabulary row z [V], in place: p = softmax(z / T).
    ///
    /// Returns the log-partition `lse = log Σ_j exp(z_j / T)` and `E_p[z / T]`, from which
    /// log p_y = z_y / T − lse and the entropy H(p) = lse − E_p[z / T].
    @inline(__always)
    public static func vocabularyRow(
        _ z: UnsafeMutablePointer<Float>, count: Int, inverseTemperature: Float
    ) -> (logPartition: Float, expectedScaledLogit: Float) {
        let m = Vector.maximum(z, count) * inverseTemperature
        var sum0 = Vector.V8(), weighted0 = Vector.V8(), i = 0
        while i + 8 <= count {
            let scaled = Vector.load(z + i) * inverseTemperature
            let e = FastMath.exp(scaled - m)
            sum0 += e
            weighted0.addProduct(e, scaled)
            Vector.store(e, z + i)
            i += 8
        }
        var total = sum0.sum(), weighted = weighted0.sum()
        while i < count {
            let scaled = z[i] * inverseTemperature
            let e = Foundation.exp(scaled - m)
            total += e; weighted += e * scaled; z[i] = e
            i += 1
        }
        Vector.scale(z, 1 / total, count)
        return (m + Foundation.log(total), weighted / total)
    }
}
