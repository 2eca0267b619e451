/// Buffers `Sampler.sample` reuses from one row of logits to the next, so sampling
/// allocates nothing once warm, except the temporary buffer of the top-p sort (a few
/// hundred keys unless many weights tie). One per thread; not shared between threads.
///
/// Shapes, with `V` the vocabulary size and chunks of `Sampler.chunkSize` = 64 tokens:
/// - `weights` [V]: wᵢ = exp((logitᵢ − max_j logit_j) / T), unnormalised probabilities.
/// - `chunkSums` [⌈V / 64⌉]: Σ of `weights` over each chunk, for the inverse-CDF draw.
/// - `candidateKeys` [≤ V]: sort keys of the tokens near the nucleus edge (top-p < 1).
public struct SamplerScratch: Sendable {
    var weights: [Float]
    var chunkSums: [Double]
    var candidateKeys: [UInt64]

    /// Buffers for rows of `vocabularySize` logits; `sample` grows them if a row is longer.
    public init(vocabularySize: Int) {
        weights = []
        chunkSums = []
        candidateKeys = []
        reserve(vocabularySize: vocabularySize)
    }

    /// Grows the buffers to hold a row of `vocabularySize` logits.
    mutating func reserve(vocabularySize: Int) {
        if weights.count < vocabularySize {
            weights = [Float](repeating: 0, count: vocabularySize)
            chunkSums = [Double](
                repeating: 0,
                count: (vocabularySize + Sampler.chunkSize - 1) / Sampler.chunkSize)
            candidateKeys.reserveCapacity(vocabularySize)
        }
    }
}
