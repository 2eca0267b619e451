/// A template sentence split into literal text and `{placeholder}`s, checked once so that
/// rendering cannot fail.
struct SentencePattern: Equatable, Sendable {
    /// Literal text or the name of a placeholder.
    enum Piece: Equatable, Sendable {
        case text(String)
        case placeholder(String)
    }

    /// The pieces in order.
    let pieces: [Piece]

    /// Parses `text`, found at JSON path `location` of `source`.
    ///
    /// - Throws: `TaskError` when a `{` is not closed by a `}` before the next `{`, a `}`
    ///   has no `{`, a placeholder is not in `allowed`, or a name in `once` does not occur
    ///   exactly once.
    init(_ text: String, allowed: Set<String>, once: Set<String>, location: String, source: String) throws {
        func fail(_ problem: String) -> TaskError {
            TaskError(source: source, location: location, value: "\"\(text)\"", problem: problem)
        }
        var pieces: [Piece] = []
        var literal = ""
        var placeholder: String?
        for character in text {
            switch (character, placeholder) {
            case ("{", nil):
                if !literal.isEmpty { pieces.append(.text(literal)) }
                literal = ""
                placeholder = ""
            case ("{", .some):
                throw fail("a \"{\" opens inside a placeholder; close each placeholder with \"}\"")
            case ("}", nil):
                throw fail("a \"}\" has no \"{\"; placeholders are written {name}")
            case ("}", .some(let name)):
                guard allowed.contains(name) else {
                    let valid = allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")
                    throw fail("unknown placeholder {\(name)}; allowed here: \(valid)")
                }
                pieces.append(.placeholder(name))
                placeholder = nil
            case (_, nil):
                literal.append(character)
            case (_, .some(let name)):
                placeholder = name + String(character)
            }
        }
        guard placeholder == nil else { throw fail("a \"{\" is never closed") }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        for name in once.sorted() {
            let count = pieces.filter { $0 == .placeholder(name) }.count
            guard count == 1 else {
                throw fail("must contain {\(name)} exactly once, found \(count) times")
            }
        }
        self.pieces = pieces
    }

    /// The sentence with every placeholder replaced by `values[name]` ("" if absent).
    func render(_ values: [String: String]) -> String {
        var result = ""
        for piece in pieces {
            switch piece {
            case .text(let text): result += text
            case .placeholder(let name): result += values[name] ?? ""
            }
        }
        return result
    }
}
