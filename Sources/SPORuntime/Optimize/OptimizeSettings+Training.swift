import SPOModel
import SPOPipelineSpec

/// The pieces of the spec's optimisation settings that the policy's and the critic's
/// optimizers share.
extension OptimizeSettings {
    /// AdamW's constants at the schedule's peak rate.
    var adamWConfiguration: AdamWConfiguration {
        AdamWConfiguration(
            learningRate: Float(PolicyOptimizer.peakRate(learningRate)), beta1: Float(adamw.beta1),
            beta2: Float(adamw.beta2), epsilon: Float(adamw.epsilon), weightDecay: Float(adamw.weightDecay))
    }

    /// The learning rate over a run of `totalSteps` schedule steps.
    func schedule(totalSteps: Int) -> LearningRateSchedule {
        switch learningRate {
        case .constant(let rate):
            return .constant(rate: Float(rate))
        case .linearWarmupLinearDecay(let peak, let fraction, let final):
            return .warmupFraction(fraction, peak: Float(peak), totalSteps: totalSteps, final: Float(final))
        }
    }

    /// The sample indices of each optimizer step of one iteration of `sampleCount`
    /// samples, in order: `epochs` passes, each a shuffle of 0..<sampleCount
    /// (`RandomStream(seed: shuffleSeed, stream: epoch)`) cut into runs of `batch_size`
    /// (the last may be shorter).
    func minibatches(sampleCount: Int, shuffleSeed: UInt64) -> [[Int]] {
        var batches: [[Int]] = []
        for epoch in 0..<epochs {
            var random = RandomStream(seed: shuffleSeed, stream: UInt64(epoch))
            let order = (0..<sampleCount).shuffled(using: &random)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                batches.append(Array(order[start..<min(order.count, start + batchSize)]))
            }
        }
        return batches
    }
}
