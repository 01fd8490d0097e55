import Foundation

/// What `litmath serve` adds to the pages it serves, and only to those: a script that listens
/// for server-sent events (reload after a good build, show the diagnostics after a failed one),
/// and the error overlay itself. Built sites never contain any of it.
enum LiveReload {
    /// The path of the event stream.
    static let eventsPath = "/__litmath/events"
    /// The id of the overlay element.
    static let overlayID = "litmath-build-error"

    static let style = """
        #litmath-build-error { position: fixed; inset: 0; z-index: 2147483647; overflow: auto; margin: 0;
          padding: 1.5rem; background: rgba(24, 26, 29, .95); color: #f3f4f6;
          font: 14px/1.5 "DejaVu Sans Mono", ui-monospace, monospace; }
        #litmath-build-error p { margin: 0 0 1rem; font: 600 16px/1.4 system-ui, "DejaVu Sans", sans-serif; color: #ff9b8a; }
        #litmath-build-error pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
        """

    static let heading = "litmath: the build failed. The page shows the last good build; fix the content and save, and it reloads by itself."

    /// The script, for a page served at state `stateID`.
    static func script(stateID: String) -> String {
        """
        (() => {
          const source = new EventSource(\(jsString(eventsPath + "?since=" + (stateID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))));
          source.addEventListener('reload', () => location.reload());
          source.addEventListener('failed', event => {
            let overlay = document.getElementById(\(jsString(overlayID)));
            if (!overlay) {
              overlay = document.createElement('div');
              overlay.id = \(jsString(overlayID));
              overlay.setAttribute('role', 'alert');
              const heading = document.createElement('p');
              heading.textContent = \(jsString(heading));
              overlay.append(heading, document.createElement('pre'));
              document.body.append(overlay);
            }
            overlay.querySelector('pre').textContent = event.data;
          });
        })();
        """
    }

    /// The markup inserted before `</body>`: the style, the overlay when `failure` is set (its
    /// text escaped), and the script.
    static func snippet(stateID: String, failure: String?) -> String {
        var nodes: [HTMLNode] = [.el("style", [], [.raw(style)])]
        if let failure {
            nodes.append(.el("div", [("id", overlayID), ("role", "alert")], [.el("p", [], text: heading), .el("pre", [], text: failure)]))
        }
        nodes.append(.el("script", [], [.raw(script(stateID: stateID))]))
        return HTMLNode.fragment(nodes).rendered
    }

    /// `page` with the snippet inserted before its last `</body>` (or appended when it has none).
    static func inject(into page: Data, stateID: String, failure: String?) -> Data {
        let html = String(decoding: page, as: UTF8.self)
        let snippet = snippet(stateID: stateID, failure: failure)
        guard let end = html.range(of: "</body>", options: [.backwards, .caseInsensitive]) else {
            return Data((html + snippet).utf8)
        }
        return Data((html[..<end.lowerBound] + snippet + html[end.lowerBound...]).utf8)
    }

    /// A JavaScript string literal that is also safe inside `<script>`: JSON with `<` escaped.
    static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }
}
