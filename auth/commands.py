"""`hub clients`, `hub users`, `hub keys` and `hub policy`: managing who may call the hub."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer

from auth import clients, people, trusted
from auth.keys import KeyStore
from auth.policy import Policy, policy_for
from auth.scope import scope_for
from hub.errors import HubError
from hub.graph import Graph
from hub.predicates import current_pupil
from hub.settings import Settings
from hub.subject import Subject

clients_app = typer.Typer(help="客户端 Registered department systems (OAuth2 clients)",
                          no_args_is_help=True)
keys_app = typer.Typer(help="签名密钥 Token signing keys", no_args_is_help=True)
policy_app = typer.Typer(help="访问策略 The access policy", no_args_is_help=True)
T = TypeVar("T")

# Checks a documents file against the schema (schema/trusted.py reader), given by the shell at
# register(): this folder sits below the schema and does not import it.
_document_reader: Callable[[Settings, Policy], trusted.DocumentReader] | None = None


def _read_documents(path: Path, client: Subject, policy: Policy) -> list[trusted.TrustedDocument]:
    from hub.commandline import fail, settings

    if _document_reader is None:
        raise fail("此命令无法校验操作文档 documents cannot be checked here (no schema)")
    try:
        return _document_reader(settings(), policy)(path, client)
    except HubError as exc:
        raise fail(exc.message) from None


def _policy() -> Policy:
    from hub.commandline import settings

    conf = settings()
    return policy_for(conf)


def _run(work: Callable[[Graph], Awaitable[T]]) -> T:
    from hub.commandline import fail, with_graph

    try:
        return with_graph(work)
    except HubError as exc:
        raise fail(exc.message) from None


@clients_app.command("add")
def add(
    department: str = typer.Option(..., help="部门 EDU, HEALTH, CIVIL, DPF, FIN, …"),
    region: str = typer.Option(..., help="行政区划代码 six-digit region code"),
    roles: str = typer.Option(..., help="角色,逗号分隔 roles, comma-separated"),
    name: str = typer.Option("", help="名称 a name people recognise"),
    organisation: list[str] = typer.Option([], help="所属机构 id (repeatable)"),  # noqa: B008
    documents: Path | None = typer.Option(  # noqa: B008
        None, "--documents", help="受信任的操作文档 only these operations: a .graphql file of "
        "named operations or a JSON manifest {hash: document} (docs/integration.md)"),
) -> None:
    """登记客户端 Register a department system; its secret is shown once."""
    policy = _policy()
    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    listed: list[trusted.TrustedDocument] | None = None
    if documents is not None:
        try:
            clients.check_assignment(policy, department, region, role_list)
        except HubError as exc:
            from hub.commandline import fail

            raise fail(exc.message) from None
        # Every document checked before anything is written: one bad one refuses the client.
        listed = _read_documents(documents, Subject(
            kind="client", id="new", department=department, region=region,
            roles=frozenset(role_list), organisations=tuple(organisation)), policy)

    async def work(graph: Graph) -> clients.Registered:
        return await clients.add_client(
            graph, policy, name=name or f"{department}@{region}", department=department,
            region=region, roles=role_list, organisations=organisation, documents=listed,
        )

    registered = _run(work)
    typer.echo(f"client_id: {registered.client_id}")
    if listed is not None:
        typer.echo(f"操作文档 documents: {len({d.hash for d in listed})} "
                   "(只能发送这些 it may send only these)")
    typer.echo(f"client_secret: {registered.secret}")
    typer.echo("请妥善保存密钥,它不会再次显示 store the secret now: it is not shown again")


# Local demo clients: fixed ids and clearly-marked demo secrets, refused in production.
DEMO_CLIENTS = (
    ("cl_demo_edu", "市教育局(演示) City education bureau (demo)", "EDU", "140400",
     ["edu-officer", "supervisor"], "local-demo-secret-edu"),
    ("cl_demo_health", "市卫健委(演示) City health commission (demo)", "HEALTH", "140400",
     ["health-officer"], "local-demo-secret-health"),
    ("cl_demo_fin", "市财政局(演示) City finance bureau (demo)", "FIN", "140400",
     ["figures"], "local-demo-secret-fin"),
)


@clients_app.command("demo")
def demo() -> None:
    """登记演示客户端 Register the local demo clients and show how to call the hub (dev only)."""
    from hub.commandline import fail, settings

    conf = settings()
    if conf.env == "prod":
        raise fail("演示客户端不能用于生产环境 demo clients are refused in production")
    policy = _policy()

    async def work(graph: Graph) -> None:
        for client_id, name, department, region, roles, secret in DEMO_CLIENTS:
            await clients.add_client(graph, policy, name=name, department=department,
                                     region=region, roles=roles, client_id=client_id,
                                     secret=secret)

    _run(work)
    base = f"http://{conf.host}:{conf.port}"
    client_id, _, _, _, _, secret = DEMO_CLIENTS[0]
    typer.echo(f"""演示客户端已登记 demo clients registered: {', '.join(c[0] for c in DEMO_CLIENTS)}
取令牌 get a token:
  TOKEN=$(curl -s -u {client_id}:{secret} -d grant_type=client_credentials \\
          {base}/oauth/token \\
          | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
查询 query:
  curl -s {base}/graphql -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
       -d '{{"query":"{{ children(first: 3) {{ totalCount edges {{ node {{ id name }} }} }} }}"}}'
GraphiQL: {base}/graphql (add the header Authorization: Bearer <token>)""")


@clients_app.command("list")
def list_() -> None:
    """客户端列表 List registered clients."""
    rows = _run(clients.list_clients)
    for row in rows:
        listed = f"  [{row['documents']} 个操作文档 documents]" if row["trustedOnly"] else ""
        typer.echo(f"{row['id']}  {row['status']:8} {row['department']:8} {row['region']}  "
                   f"{','.join(row['roles'])}  {row['name']}{listed}")


@clients_app.command("documents")
def documents_(
    client_id: str,
    file: Path | None = typer.Argument(  # noqa: B008
        None, help="新的列表 the new list: a .graphql file or a JSON manifest (replaces the old)"),
    clear: bool = typer.Option(False, "--clear",
                               help="取消列表 remove the list: any query again"),
    manifest: Path | None = typer.Option(  # noqa: B008
        None, "--manifest", help="写出清单 write the list as a JSON manifest {hash: document}"),
) -> None:
    """操作文档 Show, replace or remove the operations a client may send (trusted documents);
    a change applies on every hub process within seconds."""
    if file is not None and clear:
        from hub.commandline import fail

        raise fail("FILE 与 --clear 只能选一 give FILE or --clear, not both", 2)
    policy = _policy()
    if file is not None:
        subject = _run(lambda graph: clients.subject_of(graph, client_id))
        listed = _read_documents(file, subject, policy)
        _run(lambda graph: trusted.replace_documents(graph, client_id, listed))
        typer.echo(f"已替换 replaced: {client_id} 只能发送 may send only "
                   f"{len({d.hash for d in listed})} 个操作文档 documents")
    elif clear:
        _run(lambda graph: trusted.clear_documents(graph, client_id))
        typer.echo(f"已取消列表 list removed: {client_id} 可发送任意查询 may send any query")
        return
    allow = _run(lambda graph: trusted.documents_of(graph, client_id))
    if allow is None:
        typer.echo(f"{client_id}: 未登记操作文档,可发送任意查询 no list: it may send any query")
        return
    for document in allow.documents:
        typer.echo(f"sha256:{document.hash}  {document.operation_type:8} "
                   f"{document.cost:>6}  {document.operation_name or '(anonymous)'}")
    if manifest is not None:
        manifest.write_text(json.dumps({d.hash: d.text for d in allow.documents},
                                       ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"已写出 written: {manifest}")


@clients_app.command("rotate")
def rotate(client_id: str) -> None:
    """更换密钥 Give a client a new secret (the old one and its tokens stop working)."""
    secret = _run(lambda graph: clients.rotate_secret(graph, client_id))
    typer.echo(f"client_secret: {secret}")


@clients_app.command("revoke")
def revoke(client_id: str) -> None:
    """吊销客户端 Revoke a client: no new token, and its tokens stop within seconds."""
    _run(lambda graph: clients.revoke(graph, client_id))
    typer.echo(f"已吊销 revoked {client_id}")


def _keys() -> KeyStore:
    from hub.commandline import settings

    return KeyStore(settings().keys_dir)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """新增签名密钥 Add a new signing key; older keys keep verifying until retired."""
    typer.echo(f"新密钥 new key: {_keys().rotate()}")


@keys_app.command("list")
def keys_list() -> None:
    """密钥列表 List keys (the last one signs)."""
    for kid in _keys().kids:
        typer.echo(kid)


@keys_app.command("retire")
def keys_retire(kid: str) -> None:
    """停用密钥 Remove a key once tokens it signed have expired."""
    if not _keys().retire(kid):
        from hub.commandline import fail

        raise fail("无此密钥或这是最后一个 no such key, or it is the last one")
    typer.echo(f"已停用 retired {kid}")


@policy_app.command("explain")
def explain(
    subject: str = typer.Option(..., help="客户端 id a registered client id"),
    child: str = typer.Option(..., help="儿童 id a child id"),
    purpose: str | None = typer.Option(None, help="用途 declared purpose"),
) -> None:
    """解释可见性 Why a subject sees a child and each sensitive field, or not."""
    policy = _policy()

    async def work(graph: Graph) -> list[str]:
        rows = await graph.run("MATCH (c:Client {id: $id}) RETURN c {.*} AS c", {"id": subject})
        if not rows:
            return ["未找到该客户端 no such client"]
        client = rows[0]["c"]
        who = Subject(kind="client", id=client["id"], department=client["department"],
                      region=client["region"], roles=frozenset(client["roles"]),
                      organisations=tuple(client.get("organisations") or ()), purpose=purpose)
        view = policy.view(who)
        lines = [f"角色 roles: {list(view.roles) or 'none'}; 行范围 rows: {sorted(view.rows)}"]
        scope = scope_for(view, who)
        condition = " AND ".join(scope.on_child("c")) or "true"
        found = await graph.run(
            "MATCH (c:Child {id: $child}) RETURN " + condition + " AS visible",
            {**scope.params, "child": child},
        )
        if not found:
            lines.append("儿童不存在 no such child")
        else:
            seen = found[0]["visible"]
            lines.append(f"儿童 child {child}: " + ("在范围内 in scope" if seen else
                         "不在范围内 outside scope (answered as NOT_FOUND)"))
        for ref in sorted(policy.spec.sensitive):
            type_name, _, field_name = ref.partition(".")
            lines.append(policy.explain(who, type_name, field_name))
        return lines

    for line in _run(work):
        typer.echo(line)


users_app = typer.Typer(help="人员账户 People who sign in to the console", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: str = typer.Option(..., help="用户名 username"),
    department: str = typer.Option(..., help="部门 EDU, HEALTH, CIVIL, DPF, …"),
    region: str = typer.Option(..., help="行政区划代码 six-digit region code"),
    roles: str = typer.Option(..., help="角色,逗号分隔 roles, comma-separated"),
    works_at: list[str] = typer.Option(  # noqa: B008
        [], "--works-at", help="工作单位 id: school, resource centre, institution (repeatable)"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="从标准输入读密码 read the password from stdin"),
    display_name: str = typer.Option(
        "", "--display-name", help="姓名(审计人员看到的) the name auditors read, e.g. 王丽"),
) -> None:
    """新增或更新人员账户 Create a person's account (or reset its password, roles, workplaces)."""
    import sys

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("密码 password", hide_input=True,
                                confirmation_prompt=True)
    policy = _policy()
    role_list = [r.strip() for r in roles.split(",") if r.strip()]

    async def work(graph: Graph) -> str:
        return await people.add_person(
            graph, policy, username=username, password=password, department=department,
            region=region, roles=role_list, works_at=works_at, display_name=display_name,
        )

    typer.echo(f"已保存 saved {username}: {_run(work)}")


# Local demo people: clearly-marked demo passwords, refused in production, like the clients.
DEMO_PEOPLE = (
    ("demo.staff", ["resource-centre-staff"], "local-demo-password-staff"),
    ("demo.supervisor", ["supervisor"], "local-demo-password-supervisor"),
    ("demo.auditor", ["auditor"], "local-demo-password-auditor"),
)
DEMO_NAMES = {"demo.staff": "王丽（演示）", "demo.supervisor": "陈督导（演示）",
              "demo.auditor": "赵审计（演示）"}


@users_app.command("demo")
def users_demo() -> None:
    """登记演示人员 Demo accounts for the console: staff of the busiest resource centre, a
    supervisor and an auditor of the city (dev only)."""
    from hub.commandline import fail, settings

    conf = settings()
    if conf.env == "prod":
        raise fail("演示账户不能用于生产环境 demo accounts are refused in production")
    policy = _policy()

    async def work(graph: Graph) -> str | None:
        rows = await graph.run(
            "MATCH (rc:ResourceCenter)-[:SERVES]->(:School)<-[:AT]-"
            + current_pupil("p", ":Child") + " RETURN rc.id AS id, rc.regionCode AS region, "
            "count(*) AS n ORDER BY n DESC LIMIT 1")
        if not rows:
            return None
        centre, region = str(rows[0]["id"]), str(rows[0]["region"])
        for username, roles, password in DEMO_PEOPLE:
            staff = roles == ["resource-centre-staff"]
            await people.add_person(
                graph, policy, username=username, password=password, department="EDU",
                region=region if staff else region[:4] + "00", roles=roles,
                works_at=[centre] if staff else [], display_name=DEMO_NAMES[username])
        return centre

    centre = _run(work)
    if centre is None:
        raise fail("没有资源中心,请先生成演示数据 no resource centre: run hub demo-data first")
    base = f"http://{conf.host}:{conf.port}/console/"
    typer.echo(f"演示账户 demo accounts (console {base}):")
    for username, roles, password in DEMO_PEOPLE:
        typer.echo(f"  {username:16} {password:32} {','.join(roles)}")


@users_app.command("list")
def users_list() -> None:
    """人员列表 List people's accounts (with when an administrator last unlocked them)."""
    for row in _run(people.list_people):
        unlocked = f"  解锁于 unlocked {row['unlockedAt']}" if row["unlockedAt"] else ""
        typer.echo(f"{row['id']}  {row['username']:16} {row['department']:8} {row['region']}  "
                   f"{','.join(row['roles'])}  {','.join(row['worksAt'])}{unlocked}")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """解锁账户 Forgive the failed sign-ins counted so far under this name, from every address
    (each hub process lets the name try again at its next attempt)."""
    _run(lambda graph: people.unlock(graph, username))
    typer.echo(f"已解锁 unlocked {username}")


def register(app: typer.Typer,
             document_reader: Callable[[Settings, Policy], trusted.DocumentReader] | None = None
             ) -> None:
    global _document_reader
    _document_reader = document_reader
    app.add_typer(users_app, name="users")
    app.add_typer(clients_app, name="clients")
    app.add_typer(keys_app, name="keys")
    app.add_typer(policy_app, name="policy")


