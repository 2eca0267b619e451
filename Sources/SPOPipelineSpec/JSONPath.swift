/// A location in a JSON document, written `$.optimize.kl.beta` or `$.tree.branching[2]`;
/// a key that is not a plain identifier is written in brackets: `$.hosts["gpu 1"]`.
struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    private var text: String

    /// `$`, the whole document.
    static let root = JSONPath(text: "$")

    private init(text: String) { self.text = text }

    /// The path of member `key` of the object at this path.
    func appending(_ key: String) -> JSONPath {
        let plain = !key.isEmpty && key.unicodeScalars.enumerated().allSatisfy { offset, scalar in
            scalar == "_" || (scalar.isASCII && scalar.properties.isAlphabetic)
                || (offset > 0 && (scalar == "-" || ("0"..."9").contains(scalar)))
        }
        return JSONPath(text: plain ? "\(text).\(key)" : "\(text)[\(quoted(key))]")
    }

    /// The path of element `index` of the array at this path.
    func appending(index: Int) -> JSONPath {
        JSONPath(text: "\(text)[\(index)]")
    }

    var description: String { text }
}
