/// One leaf of an SPO-tree as the pipeline ships it: one rollout whose response is the
/// concatenation of the segments on the leaf's path (docs/method.md section 4).
///
/// The leaves of one tree determine the whole tree: node `path[..<d]` is the depth-d
/// ancestor, its segment is response tokens `boundaries[d − 1] ..< boundaries[d]`, and
/// leaves sharing a path prefix share those tokens (`TreeValues` checks it).
public struct TreeLeaf: Sendable, Equatable {
    /// The child index taken at each level, root first, [d]; d ≥ 1 is the leaf's depth.
    public var path: [Int]
    /// Segment ends in response tokens, [d + 1]: 0, end of the depth-1 segment, …, R.
    public var boundaries: [Int]
    /// The whole response (every segment on the path, prompt excluded), [R].
    public var responseTokens: [Int32]
    /// log π_old of each response token as sampled, [R].
    public var logProbabilities: [Float]
    /// The leaf's reward (0 when truncated by the length limit).
    public var reward: Double

    /// A leaf; `TreeValues(leaves:)` checks the shapes.
    public init(path: [Int], boundaries: [Int], responseTokens: [Int32], logProbabilities: [Float], reward: Double) {
        self.path = path
        self.boundaries = boundaries
        self.responseTokens = responseTokens
        self.logProbabilities = logProbabilities
        self.reward = reward
    }

    /// The leaf's depth d (number of segments).
    public var depth: Int { path.count }

    /// Checks the shapes of one leaf: a non-empty path of indices ≥ 0, d + 1 strictly
    /// increasing boundaries from 0 to R, one log-probability per token.
    func validate(index: Int) throws {
        let name = "tree leaf \(index) (path \(path))"
        guard !path.isEmpty, path.allSatisfy({ $0 >= 0 }) else {
            throw RuntimeError("\(name): a leaf path is a non-empty list of child indices >= 0")
        }
        guard boundaries.count == path.count + 1, boundaries.first == 0,
              boundaries.last == responseTokens.count,
              zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw RuntimeError("\(name): boundaries \(boundaries) should be \(path.count + 1) strictly increasing offsets from 0 to the response length \(responseTokens.count)")
        }
        guard logProbabilities.count == responseTokens.count else {
            throw RuntimeError("\(name): \(logProbabilities.count) log-probabilities for \(responseTokens.count) response tokens")
        }
    }
}
