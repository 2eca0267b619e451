import Foundation

/// The packed layout of one `extend` call.
struct DecodeStep {
    /// Packed new tokens [N] and their positions [N].
    var tokens: [Int32] = []
    var positions: [Int32] = []
    /// Per sequence: first packed row, number of new tokens, tokens already cached, blocks.
    var offsets: [Int] = []
    var counts: [Int] = []
    var cached: [Int] = []
    var blocks: [[Int32]] = []

    init(states: [InferenceEngine.SequenceState], newTokens: [[Int32]]) {
        for (state, new) in zip(states, newTokens) {
            offsets.append(tokens.count)
            counts.append(new.count)
            cached.append(state.tokens.count)
            blocks.append(state.blocks)
            tokens += new
            positions += (0..<new.count).map { Int32(state.tokens.count + $0) }
        }
    }

    var tokenCount: Int { tokens.count }
    var sequenceCount: Int { counts.count }
    /// The packed row of each sequence's last new token.
    var lastRows: [Int] { zip(offsets, counts).map { $0 + $1 - 1 } }
}

extension InferenceEngine {
    /// Runs the layers over the step's tokens, writing keys and values into the cache, and
    /// returns logits [rows.count, V] for the packed rows `logitRows`.
    func run(_ step: DecodeStep, logitRows: [Int]) -> UnsafeMutablePointer<Float> {
        let c = model.config, N = step.tokenCount, D = c.hiddenSize, I = c.intermediateSize
        let V = c.vocabularySize, W = model.parameters.pointer, ws = workspace
        let x = ws.buffer("x", N * D)
        for (i, token) in step.tokens.enumerated() {
            (x + i * D).update(from: W + model.layout.embedding + Int(token) * D, count: D)
        }
        let xn = ws.buffer("xn", N * D), qkv = ws.buffer("qkv", N * c.qkvWidth)
        let attention = ws.buffer("attn", N * c.attentionWidth), xMid = ws.buffer("xmid", N * D)
        let gateUp = ws.buffer("gu", N * 2 * I), h = ws.buffer("h", N * I)
        step.positions.withUnsafeBufferPointer { positions in
            for (l, layer) in model.layout.layers.enumerated() {
                model.attentionInput(layer, x: x, rows: N, positions: positions.baseAddress!,
                                     normalized: xn, rstd: nil, qkv: qkv)
                writeKeysAndValues(layer: l, step: step, qkv: qkv)
                attend(layer: l, step: step, qkv: qkv, output: attention)
                model.attentionOutputAndMLP(
                    layer, x: x, attention: attention, rows: N, middle: xMid, normalized: xn, rstd: nil,
                    gateUp: gateUp, activation: h, output: x)
            }
        }
        let R = logitRows.count
        let xf = ws.buffer("xf", R * D), xnf = ws.buffer("xnf", R * D), logits = ws.buffer("logits", R * V)
        for (r, row) in logitRows.enumerated() { (xf + r * D).update(from: x + row * D, count: D) }
        RMSNorm.forward(x: xf, weight: W + model.layout.finalNorm, epsilon: c.rmsNormEpsilon,
                        y: xnf, rstd: nil, rows: R, width: D)
        BLAS.gemm(transposeB: true, m: R, n: V, k: D, a: xnf, lda: D, b: W + model.layout.head, ldb: D,
                  c: logits, ldc: V)
        return logits
    }

    /// Copies the new tokens' rotated keys and values of `layer` into their cache slots.
    private func writeKeysAndValues(layer l: Int, step: DecodeStep, qkv: UnsafePointer<Float>) {
        let c = model.config, QKV = c.qkvWidth, A = c.attentionWidth, kv = c.keyValueWidth
        let bs = cache.blockSize
        for s in 0..<step.sequenceCount {
            for i in 0..<step.counts[s] {
                let position = step.cached[s] + i, row = qkv + (step.offsets[s] + i) * QKV
                let block = step.blocks[s][position / bs], slot = position % bs
                (cache.keys(block, layer: l) + slot * kv).update(from: row + A, count: kv)
                (cache.values(block, layer: l) + slot * kv).update(from: row + A + kv, count: kv)
            }
        }
    }

    /// Causal attention of every new token over its sequence's cache (which already holds the
    /// new tokens), writing [N, H·d].
    private func attend(layer l: Int, step: DecodeStep, qkv: UnsafePointer<Float>,
                        output: UnsafeMutablePointer<Float>) {
        let single = (0..<step.sequenceCount).filter { step.counts[$0] == 1 }
        if !single.isEmpty { attendSingle(layer: l, step: step, sequences: single, qkv: qkv, output: output) }
        for s in 0..<step.sequenceCount where step.counts[s] > 1 {
            attendGathered(layer: l, step: step, sequence: s, qkv: qkv, output: output)
        }
    }

    /// Decode kernel: one query per sequence; for each head, scores_j = q·k_j/√d over the
    /// cached positions, p = softmax(scores), out = Σ_j p_j v_j. Parallel over (sequence, head).
    private func attendSingle(layer l: Int, step: DecodeStep, sequences: [Int],
                              qkv: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let c = model.config, d = c.headDimension, H = c.headCount, QKV = c.qkvWidth
        let A = c.attentionWidth, kv = c.keyValueWidth, group = H / c.keyValueHeadCount
        let bs = cache.blockSize, scale = 1 / Float(d).squareRoot()
        let longest = sequences.map { step.cached[$0] + 1 }.max()!
        let items = sequences.count * H
        let chunks = Parallel.chunkCount(items, minimumPerChunk: 4)
        let scratch = workspace.buffer("scores", chunks * longest)
        let cache = self.cache
        Parallel.forEachChunkIndexed(items, minimumPerChunk: 4) { chunk, range in
            let scores = scratch + chunk * longest
            for item in range {
                let s = sequences[item / H], h = item % H, g = h / group
                let context = step.cached[s] + 1, row = step.offsets[s]
                let q = qkv + row * QKV + h * d, out = output + row * A + h * d
                let blocks = step.blocks[s]
                var j = 0
                for block in blocks where j < context {
                    let keys = cache.keys(block, layer: l) + g * d
                    let n = min(bs, context - j)
                    for slot in 0..<n { scores[j + slot] = Vector.dot(q, keys + slot * kv, d) }
                    j += n
                }
                Softmax.softmaxInPlace(scores, count: context, scale: scale)
                out.update(repeating: 0, count: d)
                j = 0
                for block in blocks where j < context {
                    let values = cache.values(block, layer: l) + g * d
                    let n = min(bs, context - j)
                    for slot in 0..<n { Vector.addScaled(values + slot * kv, scores[j + slot], into: out, d) }
                    j += n
                }
            }
        }
    }

    /// Prefill path: gathers the sequence's keys and values [T, Hkv·d] into contiguous scratch,
    /// then per head S = Q_h K_gᵀ [n, T] (sgemm), causal softmax (query i sees positions
    /// ≤ cached + i), O_h = P V_g.
    private func attendGathered(layer l: Int, step: DecodeStep, sequence s: Int,
                                qkv: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let c = model.config, d = c.headDimension, QKV = c.qkvWidth, A = c.attentionWidth
        let kv = c.keyValueWidth, group = c.headCount / c.keyValueHeadCount, bs = cache.blockSize
        let n = step.counts[s], cached = step.cached[s], total = cached + n, row = step.offsets[s]
        let keys = workspace.buffer("gathered.k", total * kv), values = workspace.buffer("gathered.v", total * kv)
        var j = 0
        for block in step.blocks[s] where j < total {
            let count = min(bs, total - j)
            (keys + j * kv).update(from: cache.keys(block, layer: l), count: count * kv)
            (values + j * kv).update(from: cache.values(block, layer: l), count: count * kv)
            j += count
        }
        let scores = workspace.buffer("gathered.scores", n * total)
        for h in 0..<c.headCount {
            let g = h / group
            BLAS.gemm(transposeB: true, m: n, n: total, k: d, a: qkv + row * QKV + h * d, lda: QKV,
                      b: keys + g * d, ldb: kv, c: scores, ldc: total)
            Softmax.causalRows(scores, rows: n, columns: total, ld: total,
                               scale: 1 / Float(d).squareRoot(), firstValid: cached + 1)
            BLAS.gemm(m: n, n: d, k: total, a: scores, lda: total, b: values + g * d, ldb: kv,
                      c: output + row * A + h * d, ldc: A)
        }
    }
}
