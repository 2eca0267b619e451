/// Which part of a task's data: problems to train on, or held-out problems to evaluate on.
public enum DatasetSplit: String, Codable, CaseIterable, Sendable {
    /// Problems for supervised and RL training.
    case train
    /// Held-out problems for evaluation; never among the training problems.
    case test
}
