import Foundation
import SPOModel
import SPOTasks

/// A task seen through a tokenizer: prompts and supervised examples as tokens, and the
/// task's reward and answer extraction.
///
/// Token layout (the same in SFT, evaluation and RL):
///     prompt   = [BOS] + encode(template.render(question))      (BOS when the tokenizer has one)
///     response = encode("\n" + solution) + [EOS]
/// The reward is computed on the decoded response text (special tokens dropped).
public struct TaskBinding: Sendable {
    public let spec: TaskSpec
    public let tokenizer: any Tokenizer

    public init(spec: TaskSpec, tokenizer: any Tokenizer) {
        self.spec = spec
        self.tokenizer = tokenizer
    }

    /// Prompt tokens of a question.
    public func prompt(_ problem: Problem) -> [Int32] {
        (tokenizer.bosTokenID.map { [$0] } ?? []) + tokenizer.encode(spec.promptTemplate.render(question: problem.question))
    }

    /// The supervised example of a problem: its prompt, then "\n" + solution + EOS.
    public func supervisedExample(_ problem: Problem) -> SupervisedExample {
        SupervisedExample(prompt: prompt(problem),
                          response: tokenizer.encode("\n" + problem.solution) + [tokenizer.eosTokenID])
    }

    /// The evaluation item of a problem.
    public func evaluationItem(_ problem: Problem) -> EvaluationItem {
        EvaluationItem(id: problem.id, question: problem.question, prompt: prompt(problem), gold: problem.answer)
    }

    /// An evaluator that scores with this task's reward.
    public func evaluator(model: LlamaModel, options: EvaluationOptions) -> Evaluator {
        let spec = self.spec
        return Evaluator(
            model: model, tokenizer: tokenizer, options: options,
            reward: { spec.reward(response: $0, gold: $1, truncated: $2) },
            extractAnswer: { TaskBinding.extractAnswer($0, reward: spec.reward) })
    }

    /// The answer a response states under the task's reward convention, if any.
    public static func extractAnswer(_ response: String, reward: RewardKind) -> String? {
        switch reward {
        case .gsm8k:
            switch MathReward.extractGSM8KAnswer(response) {
            case .none: return nil
            case .single(let answer), .multiple(last: let answer): return answer.replacingOccurrences(of: ",", with: "")
            }
        case .boxed:
            return MathReward.extractBoxed(response)
        }
    }
}
