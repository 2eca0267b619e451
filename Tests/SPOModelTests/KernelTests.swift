import XCTest
@testable import SPOModel

/// Each fast float32 kernel against its scalar Double reference (`NaiveKernels`, or a plain
/// loop for the `Vector` primitives) on seeded random inputs, with widths that exercise the
/// 16- and 8-lane SIMD bodies and the scalar tails.
///
/// Bounds, |fast − reference| ≤ …, per element:
/// - `Vector` reductions: 1e-5 · Σ_i |term_i| (float accumulation over ≤ 67 terms);
/// - `Vector` elementwise ops: 1e-6 · max(|reference|, 1) (inputs in [−1, 1], ≤ 3 roundings);
/// - `Vector.maximum`: exact;
/// - RMSNorm y and r, SwiGLU h, softmax p: 1e-5 relative (`FastMath.exp` is good to 2e-6);
/// - rotary embedding: 1e-6 · max(|reference|, 1) (two products of O(1) values);
/// - log-partition, entropy and attention outputs: 1e-5 · max(|reference|, 1);
/// - masked softmax columns: exactly 0.
final class KernelTests: XCTestCase {
    /// Row widths around the SIMD steps (8 and 16 lanes) and their tails.
    static let widths = [1, 7, 8, 13, 16, 17, 64, 67]

    func testVectorReductionsMatchScalarSums() {
        var random = RandomStream(seed: 1)
        for n in Self.widths {
            let a = KernelCheck.uniform(n, using: &random), b = KernelCheck.uniform(n, using: &random)
            let c = KernelCheck.uniform(n, using: &random)
            var dot = 0.0, dotSize = 0.0, squares = 0.0, triple = 0.0, tripleSize = 0.0
            for i in 0..<n {
                let ab = Double(a[i]) * Double(b[i]), abc = ab * Double(c[i])
                dot += ab; dotSize += abs(ab); squares += Double(a[i]) * Double(a[i])
                triple += abc; tripleSize += abs(abc)
            }
            XCTAssertLessThanOrEqual(abs(Double(Vector.dot(a, b, n)) - dot), 1e-5 * dotSize, "dot n=\(n)")
            XCTAssertLessThanOrEqual(abs(Double(Vector.sumOfSquares(a, n)) - squares), 1e-5 * squares,
                                     "sumOfSquares n=\(n)")
            XCTAssertLessThanOrEqual(abs(Double(Vector.tripleDot(a, b, c, n)) - triple), 1e-5 * tripleSize,
                                     "tripleDot n=\(n)")
        }
    }

    func testVectorMaximumFindsEveryLaneAndTail() {
        var random = RandomStream(seed: 2)
        XCTAssertEqual(Vector.maximum([Float](), 0), -.infinity)
        for n in Self.widths {
            // All negative, so a maximum that starts from 0 instead of −∞ would show.
            let base = KernelCheck.uniform(n, in: -3 ... -1, using: &random)
            XCTAssertEqual(Vector.maximum(base, n), base.max()!, "n=\(n)")
            for position in 0..<n {
                var values = base
                values[position] = -0.5
                XCTAssertEqual(Vector.maximum(values, n), -0.5, "n=\(n), maximum at \(position)")
            }
        }
    }

    func testVectorElementwiseOpsMatchScalarLoops() {
        var random = RandomStream(seed: 3)
        let s: Float = -0.75
        for n in Self.widths {
            let a = KernelCheck.uniform(n, using: &random), b = KernelCheck.uniform(n, using: &random)
            let y0 = KernelCheck.uniform(n, using: &random)
            let (ad, bd, yd, sd) = (a.map(Double.init), b.map(Double.init), y0.map(Double.init), Double(s))
            func check(_ what: String, _ expected: [Double], _ run: (UnsafeMutablePointer<Float>) -> Void) {
                let y = FloatBuffer(y0)
                run(y.pointer)
                KernelCheck.assertClose(y.array, expected, relative: 1e-6, floor: 1, "\(what) n=\(n)")
            }
            check("scaledProduct", (0..<n).map { ad[$0] * bd[$0] * sd }) {
                Vector.scaledProduct(a, b, s, into: $0, n)
            }
            check("addScaledProduct", (0..<n).map { yd[$0] + ad[$0] * bd[$0] * sd }) {
                Vector.addScaledProduct(a, b, s, into: $0, n)
            }
            check("add", (0..<n).map { yd[$0] + ad[$0] }) { Vector.add(a, into: $0, n) }
            check("addScaled", (0..<n).map { yd[$0] + sd * ad[$0] }) { Vector.addScaled(a, s, into: $0, n) }
            check("scale", (0..<n).map { yd[$0] * sd }) { Vector.scale($0, s, n) }
        }
    }

    func testRMSNormForwardMatchesNaive() {
        var random = RandomStream(seed: 4)
        let epsilon: Float = 1e-5
        // 130 rows: more than one parallel chunk (64 rows minimum each) where there are cores.
        for (rows, width) in Self.widths.map({ (3, $0) }) + [(130, 13)] {
            var x = KernelCheck.uniform(rows * width, using: &random)
            // A small row, where ε is a visible part of mean(x²) + ε.
            for i in 0..<width { x[i] *= 0.01 }
            let weight = KernelCheck.uniform(width, in: 0.5...1.5, using: &random)
            let y = FloatBuffer(count: rows * width), rstd = FloatBuffer(count: rows)
            RMSNorm.forward(x: x, weight: weight, epsilon: epsilon, y: y.pointer, rstd: rstd.pointer,
                            rows: rows, width: width)
            let reference = NaiveKernels.rmsNorm(x.map(Double.init), weight: weight.map(Double.init),
                                                 epsilon: Double(epsilon), rows: rows, width: width)
            KernelCheck.assertClose(y.array, reference.y, relative: 1e-5, floor: 1e-12, "y \(rows)×\(width)")
            KernelCheck.assertClose(rstd.array, reference.rstd, relative: 1e-5, floor: 1e-12, "rstd \(rows)×\(width)")
        }
    }

    func testRMSNormBackwardMatchesNaive() {
        var random = RandomStream(seed: 5)
        let epsilon: Float = 1e-5
        for (rows, width) in Self.widths.map({ (3, $0) }) + [(130, 13)] {
            let x = KernelCheck.uniform(rows * width, using: &random)
            let weight = KernelCheck.uniform(width, in: 0.5...1.5, using: &random)
            let dy = KernelCheck.uniform(rows * width, using: &random)
            let y = FloatBuffer(count: rows * width), rstd = FloatBuffer(count: rows)
            RMSNorm.forward(x: x, weight: weight, epsilon: epsilon, y: y.pointer, rstd: rstd.pointer,
                            rows: rows, width: width)
            let dx = FloatBuffer(count: rows * width), dWeight = FloatBuffer(count: width)
            RMSNorm.backward(dy: dy, x: x, rstd: rstd.pointer, weight: weight, dx: dx.pointer,
                             dWeight: dWeight.pointer, rows: rows, width: width, accumulate: false)
            let reference = NaiveKernels.rmsNormBackward(
                dy: dy.map(Double.init), x: x.map(Double.init), weight: weight.map(Double.init),
                epsilon: Double(epsilon), rows: rows, width: width)
            KernelCheck.assertClose(dx.array, reference.dx, relative: 1e-5, floor: 1, "dx \(rows)×\(width)")
            KernelCheck.assertClose(dWeight.array, reference.dWeight, relative: 1e-5, floor: 1,
                                    "dWeight \(rows)×\(width)")
        }
    }

    func testRotaryEmbeddingMatchesNaiveAndInverts() {
        var random = RandomStream(seed: 6)
        let positions: [Int32] = [0, 5, 1, 39, 17]
        // d = 4: tail only; d = 18: one SIMD step and a tail; d = 32: two SIMD steps.
        for (d, base) in [(4, 10000.0), (18, 10000.0), (32, 500000.0)] {
            let rope = RotaryEmbedding(headDimension: d, base: base, maximumPosition: 40)
            let rows = positions.count, heads = 3, stride = (heads + 1) * d + 2
            let x = KernelCheck.uniform(rows * stride, using: &random)
            let buffer = FloatBuffer(x)
            rope.apply(buffer.pointer, rows: rows, stride: stride, heads: heads, positions: positions)
            let reference = NaiveKernels.rope(
                x.map(Double.init), rows: rows, stride: stride, heads: heads, headDimension: d,
                positions: positions.map(Int.init), base: base)
            let rotated = buffer.array
            KernelCheck.assertClose(rotated, reference, relative: 1e-6, floor: 1, "forward d=\(d)")
            for row in 0..<rows {
                for column in heads * d..<stride {
                    XCTAssertEqual(rotated[row * stride + column], x[row * stride + column],
                                   "d=\(d): column \(column) beyond the rotated heads changed")
                }
            }
            rope.apply(buffer.pointer, rows: rows, stride: stride, heads: heads, positions: positions, inverse: true)
            KernelCheck.assertClose(buffer.array, x.map(Double.init), relative: 1e-6, floor: 1, "inverse d=\(d)")
        }
    }

    func testSwiGLUForwardMatchesNaive() {
        var random = RandomStream(seed: 7)
        let rows = 3
        for width in Self.widths {
            var gateUp = KernelCheck.uniform(rows * 2 * width, using: &random)
            for row in 0..<rows { for i in 0..<width { gateUp[row * 2 * width + i] *= 6 } }
            let h = FloatBuffer(count: rows * width)
            SwiGLU.forward(gateUp: gateUp, output: h.pointer, rows: rows, width: width)
            let reference = NaiveKernels.swiglu(gateUp.map(Double.init), rows: rows, width: width)
            KernelCheck.assertClose(h.array, reference, relative: 1e-5, floor: 1e-12, "h width \(width)")
        }
    }

    func testSoftmaxInPlaceMatchesNaive() {
        var random = RandomStream(seed: 8)
        let scale: Float = 0.7
        for n in Self.widths {
            let x = KernelCheck.uniform(n, in: -6...6, using: &random)
            let buffer = FloatBuffer(x)
            let logPartition = Softmax.softmaxInPlace(buffer.pointer, count: n, scale: scale)
            let reference = NaiveKernels.softmax(x.map(Double.init), scale: Double(scale))
            KernelCheck.assertClose(buffer.array, reference.p, relative: 1e-5, floor: 1e-30, "p n=\(n)")
            KernelCheck.assertClose([logPartition], [reference.logPartition], relative: 1e-5, floor: 1,
                                    "log-partition n=\(n)")
        }
    }

    func testCausalRowsMatchNaiveBeyondFirstRow() {
        var random = RandomStream(seed: 9)
        // Row i keeps min(21, 5 + i) columns: 5 … 21, so the last rows are clamped to 21.
        let rows = 20, columns = 21, ld = 24, firstValid = 5, scale: Float = 0.35
        let sentinel: Float = 7
        var scores = KernelCheck.uniform(rows * ld, in: -4...4, using: &random)
        for row in 0..<rows { for j in columns..<ld { scores[row * ld + j] = sentinel } }
        let buffer = FloatBuffer(scores)
        Softmax.causalRows(buffer.pointer, rows: rows, columns: columns, ld: ld, scale: scale,
                           firstValid: firstValid)
        let dense = (0..<rows).flatMap { row in scores[row * ld..<row * ld + columns].map(Double.init) }
        let reference = NaiveKernels.causalSoftmaxRows(dense, rows: rows, columns: columns,
                                                       scale: Double(scale), firstValid: firstValid)
        let result = buffer.array
        let fastDense = (0..<rows).flatMap { row in result[row * ld..<row * ld + columns] }
        // Floor 0: masked columns must be exactly 0.
        KernelCheck.assertClose(fastDense, reference, relative: 1e-5, floor: 0, "causal rows")
        for row in 0..<rows {
            for j in columns..<ld { XCTAssertEqual(result[row * ld + j], sentinel, "row \(row) padding \(j)") }
        }
    }

    func testVocabularyRowMatchesNaive() {
        var random = RandomStream(seed: 10)
        for temperature in [1.0, 0.6] as [Float] {
            for count in Self.widths + [1000] {
                let z = KernelCheck.uniform(count, in: -5...5, using: &random)
                let buffer = FloatBuffer(z)
                let (logPartition, expected) = Softmax.vocabularyRow(
                    buffer.pointer, count: count, inverseTemperature: 1 / temperature)
                let reference = NaiveKernels.softmax(z.map(Double.init), scale: 1 / Double(temperature))
                let what = "V=\(count) T=\(temperature)"
                KernelCheck.assertClose(buffer.array, reference.p, relative: 1e-5, floor: 1e-30, "p \(what)")
                KernelCheck.assertClose([logPartition], [reference.logPartition], relative: 1e-5, floor: 1,
                                        "log-partition \(what)")
                // H = lse − E[z/T] is a difference of two O(lse) floats: bound by |lse|.
                let entropy = NaiveKernels.entropy(reference.p)
                XCTAssertLessThanOrEqual(abs(Double(logPartition - expected) - entropy),
                                         1e-5 * max(abs(reference.logPartition), 1), "entropy \(what)")
            }
        }
    }

    func testPackedAttentionForwardMatchesNaive() throws {
        var random = RandomStream(seed: 11)
        let config = TestModels.tinyConfig()   // H = 4, Hkv = 2, d = 4
        let batch = try TokenBatch(sequences: [[1, 5, 9, 3, 3, 7], [2, 4, 6]])
        let N = batch.tokenCount, A = config.attentionWidth
        let qkv = KernelCheck.uniform(N * config.qkvWidth, in: -1.5...1.5, using: &random)
        let probabilities = FloatBuffer(count: config.headCount * batch.attentionArea)
        let output = FloatBuffer(Array(repeating: 9, count: N * A))   // must be overwritten
        PackedAttention.forward(config: config, batch: batch, qkv: qkv,
                                probabilities: probabilities.pointer, output: output.pointer)
        let reference = NaiveKernels.packedCausalAttention(
            qkv: qkv.map(Double.init), sequenceOffsets: batch.sequenceOffsets,
            headCount: config.headCount, keyValueHeadCount: config.keyValueHeadCount,
            headDimension: config.headDimension)
        KernelCheck.assertClose(output.array, reference.output, relative: 1e-5, floor: 1, "output")
        // Floor 0: the masked upper triangle must be exactly 0.
        KernelCheck.assertClose(probabilities.array, reference.probabilities, relative: 1e-5, floor: 0,
                                "probabilities")
    }
}
