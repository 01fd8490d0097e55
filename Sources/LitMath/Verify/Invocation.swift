import Foundation

/// How the user ran litmath, so that a "fix:" hint names a command that works for them:
/// `swift run litmath` inside the package, `litmath` as an installed binary.
public enum Invocation {
    /// The command for `argv0` (the process's `CommandLine.arguments[0]`): `swift run litmath` when
    /// the executable lies in a SwiftPM build folder (`.build/…/litmath`, which `swift run` starts),
    /// else the name it was started by (`litmath`, or a renamed copy).
    public static func command(argv0: String) -> String {
        let components = argv0.split(separator: "/")
        let name = components.last.map(String.init) ?? "litmath"
        if components.dropLast().contains(".build") { return "swift run \(name)" }
        return name.isEmpty ? "litmath" : name
    }
}
