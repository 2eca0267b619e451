import Foundation
import XCTest
@testable import SPOModel

/// Scalar reference kernels in Double: nested loops, no SIMD, no BLAS, nothing in place.
///
/// Each mirrors one fast kernel of `Sources/SPOModel/Tensor` or `PackedAttention` with the
/// same row-major shapes, so `KernelTests` can hold the pair equal and `LayerGradientTests`
/// can take central differences of the forward in Double. Dimension letters: N rows,
/// D width, d head dimension, H query heads, Hkv key/value heads, L sequence length.
enum NaiveKernels {
    /// RMSNorm: y = x · r · w with r = 1/√(mean(x²) + ε) per row.
    ///
    /// Shapes: x, y [N, D]; weight [D]; rstd [N].
    static func rmsNorm(
        _ x: [Double], weight: [Double], epsilon: Double, rows: Int, width: Int
    ) -> (y: [Double], rstd: [Double]) {
        var y = [Double](repeating: 0, count: rows * width), rstd = [Double](repeating: 0, count: rows)
        for row in 0..<rows {
            var squares = 0.0
            for i in 0..<width { squares += x[row * width + i] * x[row * width + i] }
            let r = 1 / (squares / Double(width) + epsilon).squareRoot()
            rstd[row] = r
            for i in 0..<width { y[row * width + i] = x[row * width + i] * r * weight[i] }
        }
        return (y, rstd)
    }

    /// Backward of `rmsNorm`, derived by hand.
    ///
    /// With m = Σ_k x_k² / D and r = (m + ε)^(−1/2), ∂r/∂x_k = −½(m + ε)^(−3/2) · 2x_k/D
    /// = −r³ x_k / D, so for y_i = x_i r w_i:
    ///     dx_k = Σ_i dy_i ∂y_i/∂x_k = r w_k dy_k − x_k (r³/D) Σ_i dy_i w_i x_i
    ///     dw_k = Σ_rows dy_k x_k r
    /// r is recomputed here from x, not taken from the fast forward. Shapes as `rmsNorm`.
    static func rmsNormBackward(
        dy: [Double], x: [Double], weight: [Double], epsilon: Double, rows: Int, width: Int
    ) -> (dx: [Double], dWeight: [Double]) {
        let rstd = rmsNorm(x, weight: weight, epsilon: epsilon, rows: rows, width: width).rstd
        var dx = [Double](repeating: 0, count: rows * width), dWeight = [Double](repeating: 0, count: width)
        for row in 0..<rows {
            let r = rstd[row]
            var weighted = 0.0
            for i in 0..<width { weighted += dy[row * width + i] * weight[i] * x[row * width + i] }
            for k in 0..<width {
                let index = row * width + k
                dx[index] = r * weight[k] * dy[index] - x[index] * r * r * r / Double(width) * weighted
                dWeight[k] += dy[index] * x[index] * r
            }
        }
        return (dx, dWeight)
    }

    /// Rotary embedding, Hugging Face "rotate half" layout, of the first `heads` heads of
    /// each row: for j < d/2, θ_j = base^(−2j/d) rounded to Float (as the fast table is),
    /// angle = position · θ_j,
    ///     out[j] = x[j] cos − x[j + d/2] sin,   out[j + d/2] = x[j + d/2] cos + x[j] sin.
    ///
    /// Shapes: x [N, stride] with heads · d ≤ stride; positions [N]. Other columns are copied.
    static func rope(
        _ x: [Double], rows: Int, stride: Int, heads: Int, headDimension d: Int,
        positions: [Int], base: Double
    ) -> [Double] {
        var out = x
        let half = d / 2
        for row in 0..<rows {
            for head in 0..<heads {
                let start = row * stride + head * d
                for j in 0..<half {
                    let frequency = Double(Float(pow(base, -2 * Double(j) / Double(d))))
                    let angle = Double(positions[row]) * frequency
                    let a = x[start + j], b = x[start + j + half]
                    out[start + j] = a * cos(angle) - b * sin(angle)
                    out[start + j + half] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        return out
    }

    /// σ(g) = 1 / (1 + e^(−g)).
    static func sigmoid(_ g: Double) -> Double { 1 / (1 + exp(-g)) }

    /// SwiGLU: h = g σ(g) u, with gate g in columns 0..<I and up u in I..<2I.
    ///
    /// Shapes: gateUp [N, 2I]; h [N, I].
    static func swiglu(_ gateUp: [Double], rows: Int, width: Int) -> [Double] {
        var h = [Double](repeating: 0, count: rows * width)
        for row in 0..<rows {
            for i in 0..<width {
                let g = gateUp[row * 2 * width + i], u = gateUp[row * 2 * width + width + i]
                h[row * width + i] = g * sigmoid(g) * u
            }
        }
        return h
    }

    /// Backward of `swiglu`: ∂h/∂u = g σ(g); ∂h/∂g = u (σ(g) + g σ(g)(1 − σ(g))), since
    /// σ' = σ(1 − σ).
    ///
    /// Shapes: gateUp, result [N, 2I]; dh [N, I].
    static func swigluBackward(
        gateUp: [Double], outputGradient dh: [Double], rows: Int, width: Int
    ) -> [Double] {
        var gradient = [Double](repeating: 0, count: rows * 2 * width)
        for row in 0..<rows {
            for i in 0..<width {
                let g = gateUp[row * 2 * width + i], u = gateUp[row * 2 * width + width + i]
                let s = sigmoid(g), upstream = dh[row * width + i]
                gradient[row * 2 * width + i] = upstream * u * (s + g * s * (1 - s))
                gradient[row * 2 * width + width + i] = upstream * g * s
            }
        }
        return gradient
    }

    /// p = softmax(scale · x) and log Σ_j exp(scale · x_j), with the maximum subtracted.
    static func softmax(_ x: [Double], scale: Double) -> (p: [Double], logPartition: Double) {
        var m = -Double.infinity
        for value in x { m = max(m, scale * value) }
        var total = 0.0
        for value in x { total += exp(scale * value - m) }
        var p = [Double](repeating: 0, count: x.count)
        for j in x.indices { p[j] = exp(scale * x[j] - m) / total }
        return (p, m + log(total))
    }

    /// H(p) = −Σ_j p_j log p_j (terms with p_j = 0 contribute 0).
    static func entropy(_ p: [Double]) -> Double {
        var h = 0.0
        for value in p where value > 0 { h -= value * log(value) }
        return h
    }

    /// Causal softmax rows: row i is softmax(scale · S[i, ..<v]) with v = min(columns,
    /// firstValid + i), and 0 in columns v..<columns.
    ///
    /// Shapes: scores, result [rows, columns] (dense).
    static func causalSoftmaxRows(
        _ scores: [Double], rows: Int, columns: Int, scale: Double, firstValid: Int
    ) -> [Double] {
        var out = [Double](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            let valid = min(columns, firstValid + row)
            let p = softmax(Array(scores[row * columns..<row * columns + valid]), scale: scale).p
            for j in 0..<valid { out[row * columns + j] = p[j] }
        }
        return out
    }

    /// Causal grouped-query attention of one sequence: query head h reads key/value head
    /// g = h / (H / Hkv); P = softmax(q_t · k_j / √d) over j ≤ t; o_t = Σ_j P_tj v_j.
    ///
    /// Shapes: qkv [L, (H + 2Hkv)·d] (q heads, then k heads, then v heads); output [L, H·d];
    /// probabilities [H, L, L], 0 above the diagonal.
    static func causalAttention(
        qkv: [Double], length: Int, headCount: Int, keyValueHeadCount: Int, headDimension d: Int
    ) -> (output: [Double], probabilities: [Double]) {
        let width = (headCount + 2 * keyValueHeadCount) * d, attentionWidth = headCount * d
        let keyColumn = attentionWidth, valueColumn = attentionWidth + keyValueHeadCount * d
        var output = [Double](repeating: 0, count: length * attentionWidth)
        var probabilities = [Double](repeating: 0, count: headCount * length * length)
        for h in 0..<headCount {
            let g = h / (headCount / keyValueHeadCount)
            for t in 0..<length {
                var scores = [Double](repeating: 0, count: t + 1)
                for j in 0...t {
                    for i in 0..<d {
                        scores[j] += qkv[t * width + h * d + i] * qkv[j * width + keyColumn + g * d + i]
                    }
                }
                let p = softmax(scores, scale: 1 / Double(d).squareRoot()).p
                for j in 0...t {
                    probabilities[(h * length + t) * length + j] = p[j]
                    for i in 0..<d {
                        output[t * attentionWidth + h * d + i] += p[j] * qkv[j * width + valueColumn + g * d + i]
                    }
                }
            }
        }
        return (output, probabilities)
    }

    /// `causalAttention` of each sequence of a packed batch, outputs stacked by rows and
    /// probabilities one sequence after another (the layout of `PackedAttention`).
    ///
    /// Shapes: qkv [N, (H + 2Hkv)·d]; sequenceOffsets [S + 1]; output [N, H·d];
    /// probabilities [Σ_s H·L_s²].
    static func packedCausalAttention(
        qkv: [Double], sequenceOffsets: [Int], headCount: Int, keyValueHeadCount: Int,
        headDimension d: Int
    ) -> (output: [Double], probabilities: [Double]) {
        let width = (headCount + 2 * keyValueHeadCount) * d
        var output: [Double] = [], probabilities: [Double] = []
        for s in 0..<sequenceOffsets.count - 1 {
            let start = sequenceOffsets[s], end = sequenceOffsets[s + 1]
            let sequence = causalAttention(
                qkv: Array(qkv[start * width..<end * width]), length: end - start,
                headCount: headCount, keyValueHeadCount: keyValueHeadCount, headDimension: d)
            output += sequence.output
            probabilities += sequence.probabilities
        }
        return (output, probabilities)
    }
}

/// Seeded inputs and the closeness check shared by `KernelTests` and `LayerGradientTests`.
enum KernelCheck {
    /// `count` floats uniform in `range`.
    static func uniform(
        _ count: Int, in range: ClosedRange<Float> = -1...1, using random: inout RandomStream
    ) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &random) }
    }

    /// Asserts |actual_i − expected_i| ≤ relative · max(|expected_i|, floor) for every i.
    static func assertClose(
        _ actual: [Float], _ expected: [Double], relative: Double, floor: Double, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let bound = relative * max(abs(e), floor)
            if abs(Double(a) - e) > bound {
                XCTFail("\(what)[\(i)]: \(a) vs reference \(e) (bound \(bound))", file: file, line: line)
                return
            }
        }
    }
}
