/// Model FLOP counts, the numerator of model-FLOP utilisation (MFU).
///
/// A multiply-add is 2 FLOPs. Per token of a forward pass:
///   2 · (D·(H+2Hkv)·d + H·d·D + 3·D·I) per layer   (projections and MLP)
///   + 2 · 2 · c · H·d per layer                     (QKᵀ and PV over c attended positions)
///   + 2 · D·V                                       (LM head)
/// Training counts 3× the forward (backward ≈ 2× forward). Elementwise work is not counted.
public struct ModelFLOPs: Sendable {
    public let config: LlamaConfig

    public init(config: LlamaConfig) { self.config = config }

    /// Matrix parameters touched per token: layer projections and the LM head.
    public var matrixParameterCount: Int {
        let c = config
        let perLayer = c.hiddenSize * c.qkvWidth + c.attentionWidth * c.hiddenSize
            + 3 * c.hiddenSize * c.intermediateSize
        return c.layerCount * perLayer + c.hiddenSize * c.vocabularySize
    }

    /// Forward FLOPs of one token that attends to `context` positions.
    public func forwardPerToken(context: Double) -> Double {
        2 * Double(matrixParameterCount)
            + 4 * context * Double(config.attentionWidth) * Double(config.layerCount)
    }

    /// Forward FLOPs of a causal pass over `sequences` sequences of `length` tokens (token t
    /// attends to t + 1 positions: average (length + 1) / 2), with the LM head applied to
    /// `headRows` positions (default: every token; a prefill computes only each sequence's last).
    public func forward(sequences: Int, length: Int, headRows: Int? = nil) -> Double {
        let tokens = Double(sequences * length)
        let head = 2 * Double(config.hiddenSize * config.vocabularySize)
        return tokens * forwardPerToken(context: Double(length + 1) / 2)
            - (tokens - Double(headRows ?? sequences * length)) * head
    }

    /// Training FLOPs (forward + backward) of the same pass.
    public func training(sequences: Int, length: Int) -> Double { 3 * forward(sequences: sequences, length: length) }
}
