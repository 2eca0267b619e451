/// AdamW for a `Critic`: one `AdamW` per parameter buffer (transformer [P], value head
/// [D + 1]) with the same hyper-parameters, stepped together so their step counts agree.
/// Per element this is exactly one AdamW over the P + D + 1 critic parameters.
public final class CriticOptimizer {
    /// Moments of the transformer's parameters, [P].
    public let transformer: AdamW
    /// Moments of the value head's parameters, [D + 1].
    public let head: AdamW

    /// Zero moments for `critic`; throws if `configuration.validate()` fails.
    public init(critic: Critic, configuration: AdamWConfiguration) throws {
        transformer = try AdamW(parameterCount: critic.model.layout.parameterCount, configuration: configuration)
        head = try AdamW(parameterCount: critic.head.parameterCount, configuration: configuration)
    }

    /// Updates applied so far.
    public var step: Int { transformer.step }

    /// One AdamW step (see `AdamW`) of every critic parameter from its accumulated gradient.
    public func update(_ critic: Critic, learningRate: Float) {
        transformer.update(parameters: critic.model.parameters.pointer, gradients: critic.model.gradients.pointer,
                           count: critic.model.layout.parameterCount, learningRate: learningRate)
        head.update(parameters: critic.head.parameters.pointer, gradients: critic.head.gradients.pointer,
                    count: critic.head.parameterCount, learningRate: learningRate)
    }
}
