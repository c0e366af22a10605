import { render } from "preact";

render(<p>Switchboard console</p>, document.getElementById("app")!);
