import XCTest
@testable import SPOModel

/// Each layer's fast float32 backward against central finite differences of its naive
/// Double forward (`NaiveKernels`).
///
/// For a layer y = f(x) and fixed random weights c, the loss is L(x) = Σ_i c_i y_i, so the
/// backward called with upstream gradient c must return ∂L/∂x. The reference is
/// (L(x + εe_k) − L(x − εe_k)) / 2ε in Double with ε = 1e-5 (truncation and rounding error
/// far below the bound). Bound, per element: |analytic − fd| ≤ 1e-4 · max(|fd|, 1e-2).
/// Every test also requires max_k |fd_k| ≥ 0.05, so a backward with a flipped sign, a
/// missing term or a wrong scale cannot pass.
final class LayerGradientTests: XCTestCase {
    /// Central differences of `loss` at `x`, one per element.
    private func centralDifferences(_ x: [Double], _ loss: ([Double]) -> Double) -> [Double] {
        let epsilon = 1e-5
        var point = x
        return x.indices.map { k in
            point[k] = x[k] + epsilon
            let plus = loss(point)
            point[k] = x[k] - epsilon
            let minus = loss(point)
            point[k] = x[k]
            return (plus - minus) / (2 * epsilon)
        }
    }

    /// Σ_i c_i y_i.
    private func weightedSum(_ c: [Double], _ y: [Double]) -> Double {
        var total = 0.0
        for i in y.indices { total += c[i] * y[i] }
        return total
    }

    /// The bound of the type's documentation, and that the reference gradient is not ~0.
    private func assertMatches(
        _ analytic: [Float], _ fd: [Double], _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertGreaterThanOrEqual(fd.map(abs).max() ?? 0, 0.05, "\(what): reference gradient is ~0",
                                    file: file, line: line)
        KernelCheck.assertClose(analytic, fd, relative: 1e-4, floor: 1e-2, what, file: file, line: line)
    }

    func testRMSNormBackward() {
        var random = RandomStream(seed: 21)
        let epsilon: Float = 1e-5
        for (rows, width, accumulate) in [(3, 13, false), (3, 13, true), (130, 7, true), (2, 8, false)] {
            let what = "\(rows)×\(width) accumulate=\(accumulate)"
            var x = KernelCheck.uniform(rows * width, using: &random)
            // A small row, where ε and the r³ term weigh more.
            for i in 0..<width { x[i] *= 0.1 }
            let weight = KernelCheck.uniform(width, in: 0.5...1.5, using: &random)
            let c = KernelCheck.uniform(rows * width, using: &random)
            let dx0 = KernelCheck.uniform(rows * width, using: &random)
            let dWeight0 = KernelCheck.uniform(width, using: &random)
            let y = FloatBuffer(count: rows * width), rstd = FloatBuffer(count: rows)
            RMSNorm.forward(x: x, weight: weight, epsilon: epsilon, y: y.pointer, rstd: rstd.pointer,
                            rows: rows, width: width)
            let dx = FloatBuffer(dx0), dWeight = FloatBuffer(dWeight0)
            RMSNorm.backward(dy: c, x: x, rstd: rstd.pointer, weight: weight, dx: dx.pointer,
                             dWeight: dWeight.pointer, rows: rows, width: width, accumulate: accumulate)

            let (xd, wd, cd, e) = (x.map(Double.init), weight.map(Double.init), c.map(Double.init), Double(epsilon))
            // Row k's input moves only row k's output, so each row is differenced alone.
            var fdX: [Double] = []
            for row in 0..<rows {
                let slice = row * width..<(row + 1) * width
                fdX += centralDifferences(Array(xd[slice])) { xr in
                    weightedSum(Array(cd[slice]), NaiveKernels.rmsNorm(xr, weight: wd, epsilon: e, rows: 1, width: width).y)
                }
            }
            let fdWeight = centralDifferences(wd) { w in
                weightedSum(cd, NaiveKernels.rmsNorm(xd, weight: w, epsilon: e, rows: rows, width: width).y)
            }
            let expectedDx = fdX.indices.map { (accumulate ? Double(dx0[$0]) : 0) + fdX[$0] }
            assertMatches(dx.array, expectedDx, "dx \(what)")
            assertMatches(dWeight.array, fdWeight.indices.map { Double(dWeight0[$0]) + fdWeight[$0] },
                          "dWeight \(what)")

            // The hand-derived Double backward that `KernelTests` relies on, held tighter.
            let naive = NaiveKernels.rmsNormBackward(dy: cd, x: xd, weight: wd, epsilon: e, rows: rows, width: width)
            for (a, b) in zip(naive.dx + naive.dWeight, fdX + fdWeight) {
                XCTAssertLessThanOrEqual(abs(a - b), 1e-6 * max(abs(b), 1e-2), "naive backward \(what)")
            }
        }
    }

    func testSwiGLUBackward() {
        var random = RandomStream(seed: 22)
        let rows = 3
        for width in [1, 13] {
            var gateUp = KernelCheck.uniform(rows * 2 * width, using: &random)
            for row in 0..<rows { for i in 0..<width { gateUp[row * 2 * width + i] *= 4 } }
            let c = KernelCheck.uniform(rows * width, using: &random)
            let gradient = FloatBuffer(Array(repeating: 9, count: rows * 2 * width))   // must be overwritten
            SwiGLU.backward(gateUp: gateUp, outputGradient: c, gateUpGradient: gradient.pointer,
                            rows: rows, width: width)
            let cd = c.map(Double.init)
            let fd = centralDifferences(gateUp.map(Double.init)) {
                weightedSum(cd, NaiveKernels.swiglu($0, rows: rows, width: width))
            }
            assertMatches(gradient.array, fd, "d(gate, up) width \(width)")
            let naive = NaiveKernels.swigluBackward(gateUp: gateUp.map(Double.init), outputGradient: cd,
                                                    rows: rows, width: width)
            for (a, b) in zip(naive, fd) {
                XCTAssertLessThanOrEqual(abs(a - b), 1e-6 * max(abs(b), 1e-2), "naive backward width \(width)")
            }
        }
    }

    /// The rotation is orthogonal, so ∂L/∂x = Rᵀ c: `apply(inverse: true)` of c. Columns
    /// beyond the rotated heads pass through, so there ∂L/∂x = c.
    func testRotaryInverseIsBackwardOfApply() {
        var random = RandomStream(seed: 23)
        let d = 18, heads = 2, stride = (heads + 1) * d, positions: [Int32] = [3, 0, 11, 7], base = 10000.0
        let rope = RotaryEmbedding(headDimension: d, base: base, maximumPosition: 12)
        let rows = positions.count
        let x = KernelCheck.uniform(rows * stride, using: &random)
        let c = KernelCheck.uniform(rows * stride, using: &random)
        let gradient = FloatBuffer(c)
        rope.apply(gradient.pointer, rows: rows, stride: stride, heads: heads, positions: positions, inverse: true)
        let cd = c.map(Double.init)
        let fd = centralDifferences(x.map(Double.init)) {
            weightedSum(cd, NaiveKernels.rope($0, rows: rows, stride: stride, heads: heads, headDimension: d,
                                              positions: positions.map(Int.init), base: base))
        }
        assertMatches(gradient.array, fd, "dx")
    }

    func testCausalRowsBackward() {
        var random = RandomStream(seed: 24)
        // Row i keeps min(11, 7 + i) columns: 7 … 11, the SIMD step and its tail.
        let rows = 6, columns = 11, ld = 13, firstValid = 7, scale: Float = 0.4, sentinel: Float = 7
        var scores = KernelCheck.uniform(rows * ld, in: -3...3, using: &random)
        // dP in every column, masked ones included: the backward must ignore those.
        var gradient = KernelCheck.uniform(rows * ld, using: &random)
        for row in 0..<rows {
            for j in columns..<ld { scores[row * ld + j] = sentinel; gradient[row * ld + j] = sentinel }
        }
        let probabilities = FloatBuffer(scores), dS = FloatBuffer(gradient)
        Softmax.causalRows(probabilities.pointer, rows: rows, columns: columns, ld: ld, scale: scale,
                           firstValid: firstValid)
        Softmax.causalRowsBackward(probabilities: probabilities.pointer, gradient: dS.pointer, rows: rows,
                                   columns: columns, ld: ld, scale: scale, firstValid: firstValid)
        func dense(_ a: [Float]) -> [Float] { (0..<rows).flatMap { a[$0 * ld..<$0 * ld + columns] } }
        let cd = dense(gradient).map(Double.init)
        let fd = centralDifferences(dense(scores).map(Double.init)) {
            weightedSum(cd, NaiveKernels.causalSoftmaxRows($0, rows: rows, columns: columns,
                                                           scale: Double(scale), firstValid: firstValid))
        }
        assertMatches(dense(dS.array), fd, "dS")
        let result = dS.array
        for row in 0..<rows {
            for j in columns..<ld { XCTAssertEqual(result[row * ld + j], sentinel, "row \(row) padding \(j)") }
        }
    }

    func testPackedAttentionBackward() throws {
        var random = RandomStream(seed: 25)
        let config = TestModels.tinyConfig()   // H = 4, Hkv = 2, d = 4
        let batch = try TokenBatch(sequences: [[1, 5, 9, 3, 3], [2, 4, 6]])
        let N = batch.tokenCount, A = config.attentionWidth, QKV = config.qkvWidth
        let qkv = KernelCheck.uniform(N * QKV, in: -1.5...1.5, using: &random)
        let c = KernelCheck.uniform(N * A, using: &random)
        let probabilities = FloatBuffer(count: config.headCount * batch.attentionArea)
        let output = FloatBuffer(count: N * A)
        PackedAttention.forward(config: config, batch: batch, qkv: qkv,
                                probabilities: probabilities.pointer, output: output.pointer)
        let gradient = FloatBuffer(Array(repeating: 9, count: N * QKV))   // must be overwritten
        let longest = (0..<batch.sequenceCount).map(batch.length(of:)).max()!
        let scratch = FloatBuffer(count: Parallel.workerCount * longest * longest)  // one [L, L] per core
        PackedAttention.backward(config: config, batch: batch, qkv: qkv, probabilities: probabilities.pointer,
                                 outputGradient: c, qkvGradient: gradient.pointer, scratch: scratch.pointer)
        let cd = c.map(Double.init)
        let fd = centralDifferences(qkv.map(Double.init)) {
            weightedSum(cd, NaiveKernels.packedCausalAttention(
                qkv: $0, sequenceOffsets: batch.sequenceOffsets, headCount: config.headCount,
                keyValueHeadCount: config.keyValueHeadCount, headDimension: config.headDimension).output)
        }
        let analytic = gradient.array
        // Check q, k and v columns separately so a failure names the part.
        let parts = [("dq", 0..<A), ("dk", A..<A + config.keyValueWidth), ("dv", A + config.keyValueWidth..<QKV)]
        for (name, columns) in parts {
            let pick = { (a: [Float]) in (0..<N).flatMap { row in columns.map { a[row * QKV + $0] } } }
            let pickD = (0..<N).flatMap { row in columns.map { fd[row * QKV + $0] } }
            assertMatches(pick(analytic), pickD, name)
        }
    }

    /// log p_y = z_y/T − log Σ_j exp(z_j/T), so ∂ log p_y/∂z_j = (δ_jy − p_j)/T, formed as the
    /// head backward does (scale p by −1/T, add 1/T at y) from `vocabularyRow`'s p.
    func testVocabularyHeadGradient() {
        var random = RandomStream(seed: 26)
        for (count, target, temperature) in [(13, 5, 0.7), (67, 66, 1.0)] as [(Int, Int, Float)] {
            let z = KernelCheck.uniform(count, in: -3...3, using: &random)
            let row = FloatBuffer(z)
            _ = Softmax.vocabularyRow(row.pointer, count: count, inverseTemperature: 1 / temperature)
            Vector.scale(row.pointer, -1 / temperature, count)
            row.pointer[target] += 1 / temperature
            let fd = centralDifferences(z.map(Double.init)) {
                $0[target] / Double(temperature) - NaiveKernels.softmax($0, scale: 1 / Double(temperature)).logPartition
            }
            assertMatches(row.array, fd, "dz V=\(count) T=\(temperature)")
        }
    }
}
