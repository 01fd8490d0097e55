import Dispatch
import Foundation

/// Shows what a long build is doing on one updating terminal line, and nothing otherwise.
///
/// A build that finishes within `delay` (most incremental builds) prints no progress at all; a
/// longer one shows `building: <step> (2.3 s)` on a single line that is redrawn in place and
/// erased when the build ends, so the final summary and diagnostics are all that stays on screen.
/// When the output is not a terminal (CI, a pipe, a file) nothing is ever written.
public final class BuildProgress: @unchecked Sendable {
    private let write: @Sendable (String) -> Void
    private let delay: TimeInterval
    private let isTerminal: Bool
    private let lock = NSLock()
    private let start = Date()
    private var step = ""
    private var visible = false
    private var finished = false
    private var timer: DispatchSourceTimer?

    /// Creates a reporter; `write` receives terminal text (carriage returns and an erase-line code).
    public init(isTerminal: Bool, delay: TimeInterval = 1, write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.delay = delay
        self.write = write
        guard isTerminal else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + delay, repeating: 0.25)
        timer.setEventHandler { [weak self] in self?.redraw() }
        self.timer = timer
        timer.resume()
    }

    deinit { timer?.cancel() }

    /// A new step has started.
    public func begin(_ name: String) {
        lock.lock()
        step = name
        lock.unlock()
        redraw()
    }

    /// Prints a line that stays on screen (such as waiting for another build), terminal or not;
    /// the progress line, if shown, is erased first and redrawn after it.
    public func note(_ line: String) {
        lock.lock()
        if visible && !finished {
            write("\r\u{1B}[2K")
            visible = false
        }
        write(line)
        lock.unlock()
        redraw()
    }

    /// The build has ended: erases the line if it was shown. Nothing is written after this.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        timer?.cancel()
        if visible { write("\r\u{1B}[2K") }
    }

    private func redraw() {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        guard isTerminal, !finished, !step.isEmpty, elapsed >= delay else { return }
        visible = true
        write("\r\u{1B}[2Kbuilding: \(step) (\(String(format: "%.1f", elapsed)) s)")
    }
}
