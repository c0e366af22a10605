import { useEffect, useState } from "preact/hooks";
import { currentSession, signOut, whenSignedOut, type Session } from "./api";
import { messageOf } from "./hooks";
import { CallPage } from "./pages/call";
import { Calls } from "./pages/calls";
import { Campaign } from "./pages/campaign";
import { Campaigns } from "./pages/campaigns";
import { NewCampaign } from "./pages/new-campaign";
import { TenantPage, Tenants } from "./pages/operator";
import { PatientPage } from "./pages/patient";
import { Patients } from "./pages/patients";
import { SignIn } from "./pages/signin";
import { Vendors } from "./pages/vendors";
import { Delivery, Endpoint, Webhooks } from "./pages/webhooks";
import { Link, match, navigate, useLocation } from "./router";
import { ErrorBox, Page } from "./ui";

const TENANT_NAV = [
  ["/campaigns", "Campaigns"],
  ["/calls", "Calls"],
  ["/patients", "Patients"],
  ["/webhooks", "Webhooks"],
  ["/vendors", "Vendors"],
] as const;

/** The tenant's pages, by path. */
function tenantPage(path: string, query: URLSearchParams) {
  let m: Record<string, string> | null;
  if (path === "/" || path === "/campaigns") return <Campaigns query={query} />;
  if (path === "/campaigns/new") return <NewCampaign />;
  if ((m = match("/campaigns/:id", path))) return <Campaign id={m.id!} />;
  if (path === "/calls") return <Calls query={query} />;
  if ((m = match("/calls/:id", path))) return <CallPage id={m.id!} />;
  if (path === "/patients") return <Patients query={query} />;
  if ((m = match("/patients/:id", path))) return <PatientPage id={m.id!} />;
  if (path === "/webhooks") return <Webhooks />;
  if ((m = match("/webhooks/:endpointId/deliveries/:id", path))) return <Delivery endpointId={m.endpointId!} id={m.id!} />;
  if ((m = match("/webhooks/:id", path))) return <Endpoint id={m.id!} query={query} />;
  if (path === "/vendors") return <Vendors />;
  return null;
}

function operatorPage(path: string) {
  let m: Record<string, string> | null;
  if (path === "/" || path === "/operator") return <Tenants />;
  if ((m = match("/operator/tenants/:id", path))) return <TenantPage id={m.id!} />;
  return null;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const { path, query } = useLocation();

  useEffect(() => {
    currentSession().then(setSession, (e) => setError(messageOf(e)));
    whenSignedOut(() => {
      setNotice("Your session has ended: sign in again.");
      setSession(null);
    });
  }, []);

  if (error) return <ErrorBox error={error} />;
  if (session === undefined) return null;
  if (session === null) {
    return (
      <SignIn
        notice={notice}
        signedIn={(s) => {
          setNotice(undefined);
          setSession(s);
          navigate(s.kind === "operator" ? "/operator" : path === "/signin" ? "/campaigns" : path, { replace: true });
        }}
      />
    );
  }

  const page = session.kind === "operator" ? operatorPage(path) : tenantPage(path, query);
  const nav = session.kind === "operator" ? ([["/operator", "Tenants"]] as const) : TENANT_NAV;
  return (
    <>
      <header class="topbar">
        <Link href={session.kind === "operator" ? "/operator" : "/campaigns"} class="brand">
          Switchboard
        </Link>
        <nav>
          {nav.map(([href, label]) => (
            <Link key={href} href={href} class={path.startsWith(href) ? "on" : ""}>
              {label}
            </Link>
          ))}
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        </nav>
        <div class="who">
          <span data-testid="who">{session.kind === "operator" ? "Operator" : session.tenant?.name}</span>
          <button
            onClick={async () => {
              await signOut();
              setNotice("Signed out.");
              setSession(null);
              navigate("/", { replace: true });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main class="content">
        {page ?? (
          <Page title="Not found">
            <p>
              There is no page at <code>{path}</code>. <Link href="/">Back to the start</Link>.
            </p>
          </Page>
        )}
      </main>
    </>
  );
}
