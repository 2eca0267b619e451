/// Whitening of per-token advantages over a micro-batch's loss tokens
/// (docs/method.md section 7):
///
///     μ  = mean of A_t over loss tokens
///     σ² = Σ (A_t − μ)² / (n − 1)          unbiased, n = number of loss tokens
///     Â_t = (A_t − μ) / sqrt(σ² + 1e-8)    on loss tokens; other tokens unchanged
///
/// Guards: no loss token (n = 0) leaves every advantage unchanged (no NaN); a single loss
/// token (n = 1) takes σ² = 0, so its Â is 0.
public enum AdvantageWhitening {
    /// The ε added to the variance.
    public static let varianceEpsilon = 1e-8

    /// Mean and unbiased variance of `values` where `mask` is true, over all sequences;
    /// nil when no entry is masked in. Shapes: [S][L_s] each.
    public static func statistics(_ values: [[Float]], mask: [[Bool]]) -> (mean: Double, variance: Double, count: Int)? {
        precondition(values.count == mask.count, "whitening: \(values.count) sequences of values, \(mask.count) of masks")
        var sum = 0.0, count = 0
        for (row, rowMask) in zip(values, mask) {
            precondition(row.count == rowMask.count, "whitening: a sequence has \(row.count) values and \(rowMask.count) mask entries")
            for (value, included) in zip(row, rowMask) where included {
                sum += Double(value)
                count += 1
            }
        }
        guard count > 0 else { return nil }
        let mean = sum / Double(count)
        var squares = 0.0
        for (row, rowMask) in zip(values, mask) {
            for (value, included) in zip(row, rowMask) where included {
                squares += (Double(value) - mean) * (Double(value) - mean)
            }
        }
        return (mean, count > 1 ? squares / Double(count - 1) : 0, count)
    }

    /// `values` whitened over the entries where `mask` is true (formula on the type).
    public static func whiten(_ values: [[Float]], mask: [[Bool]]) -> [[Float]] {
        guard let (mean, variance, _) = statistics(values, mask: mask) else { return values }
        let scale = 1 / (variance + varianceEpsilon).squareRoot()
        return zip(values, mask).map { row, rowMask in
            zip(row, rowMask).map { value, included in
                included ? Float((Double(value) - mean) * scale) : value
            }
        }
    }
}
