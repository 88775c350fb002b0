"""Render deploy/nginx/ for this installation's settings."""

import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template import Context, Engine

from media.live_encoder import parse_ladder

DEPLOY = Path(settings.BASE_DIR) / "deploy" / "nginx"


def render(name: str, context: dict) -> str:
    engine = Engine(autoescape=False)
    return engine.from_string((DEPLOY / name).read_text()).render(Context(context, autoescape=False)).lstrip()


class Command(BaseCommand):
    help = "按当前设置生成 nginx 配置（站点文件，可选整套 nginx.conf），写入指定目录。"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="写入配置的目录")
        parser.add_argument("--server-name", default="_", help="nginx server_name（域名）")
        parser.add_argument("--https-listen", default="443", help="HTTPS 监听地址或端口")
        parser.add_argument("--http-listen", default="80", help="HTTP 监听地址或端口（跳转到 HTTPS）")
        parser.add_argument("--upstream", default="127.0.0.1:8000", help="gunicorn 地址（或 unix:/路径）")
        parser.add_argument("--ssl-certificate", required=True)
        parser.add_argument("--ssl-certificate-key", required=True)
        parser.add_argument(
            "--real-ip-from",
            action="append",
            default=[],
            help="可信的前置代理地址或网段（负载均衡、CDN），可重复",
        )
        parser.add_argument("--main", action="store_true", help="同时生成独立运行用的 nginx.conf")
        parser.add_argument("--user", default="", help="nginx.conf 的 user（仅 --main）")
        parser.add_argument("--worker-processes", default="auto")
        parser.add_argument("--mime-types", default="/etc/nginx/mime.types")
        live = parser.add_argument_group("直播（nginx-rtmp）")
        live.add_argument(
            "--rtmp-listen", default="", help="RTMP 监听地址或端口（例如 1935）；给出时生成 rtmp.conf"
        )
        live.add_argument(
            "--rtmp-module",
            default="/usr/lib/nginx/modules/ngx_rtmp_module.so",
            help="libnginx-mod-rtmp 的模块文件（--main 时 load_module）",
        )
        live.add_argument(
            "--live-callback",
            default="",
            help="nginx-rtmp 回调 Django 的地址（默认 http://UPSTREAM/live/rtmp）",
        )
        live.add_argument("--live-ladder", default="", help="直播码率阶梯 HEIGHT:KBPS,…（默认 LIVE_LADDER）")
        live.add_argument("--python", default=sys.executable, help="运行直播转码脚本的 Python")

    def handle(self, *args, **options):
        output = Path(options["output"]).resolve()
        output.mkdir(parents=True, exist_ok=True)
        https_listen = options["https_listen"]
        port = https_listen.rsplit(":", 1)[-1]
        if not port.isdigit():
            raise CommandError(f"--https-listen {https_listen}: the port is missing")
        for name in ("proxy_params.conf", "hls_types.conf"):
            (output / name).write_text((DEPLOY / name).read_text())
        context = {
            "server_name": options["server_name"],
            "https_listen": https_listen,
            "http_listen": options["http_listen"],
            "https_port_suffix": "" if port == "443" else f":{port}",
            "upstream": options["upstream"],
            "ssl_certificate": options["ssl_certificate"],
            "ssl_certificate_key": options["ssl_certificate_key"],
            "real_ip_from": options["real_ip_from"],
            "static_root": Path(settings.STATIC_ROOT).resolve(),
            "media_root": Path(settings.MEDIA_ROOT).resolve(),
            "private_media_root": Path(settings.PRIVATE_MEDIA_ROOT).resolve(),
            # Public renditions can become members-only at any time: caches keep them this long at most.
            "recordings_max_age": settings.MEDIA_PUBLIC_MAX_AGE,
            "accel_prefix": "/" + settings.PROTECTED_MEDIA_ACCEL_PREFIX.strip("/") + "/",
            "client_max_body_size": _size(settings.MEDIA_MAX_UPLOAD_SIZE),
            # A tus PATCH carries one chunk plus headers.
            "tus_max_body_size": _size(settings.MEDIA_TUS_MAX_CHUNK + 1024 * 1024),
            "proxy_params": output / "proxy_params.conf",
            "hls_types": output / "hls_types.conf",
        }
        from media.live import segment_secret

        context["live_hls_root"] = live_hls_root()
        context["live_segment_secret"] = segment_secret()
        site = output / "dangke.conf"
        site.write_text(render("dangke.conf", context))
        # The site file holds the live segment secret: readable by its owner and group only.
        site.chmod(0o640)
        written = [site]
        rtmp_conf = None
        if options["rtmp_listen"]:
            rtmp_conf = output / "rtmp.conf"
            rtmp_conf.write_text(render("rtmp.conf", self.rtmp_context(options, output)))
            written.append(rtmp_conf)
        if options["main"]:
            main = output / "nginx.conf"
            main.write_text(
                render(
                    "nginx.conf",
                    {
                        "user": options["user"],
                        "worker_processes": options["worker_processes"],
                        "prefix": output,
                        "mime_types": options["mime_types"],
                        "site_conf": site,
                        "rtmp_conf": rtmp_conf,
                        "rtmp_module": options["rtmp_module"] if rtmp_conf else "",
                    },
                )
            )
            for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (output / folder).mkdir(exist_ok=True)
            written.append(main)
        for path in written:
            self.stdout.write(f"已生成 {path}")

    def rtmp_context(self, options, output: Path) -> dict:
        from media import live

        listen = options["rtmp_listen"]
        port = listen.rsplit(":", 1)[-1]
        if not port.isdigit():
            raise CommandError(f"--rtmp-listen {listen}: the port is missing")
        callback = options["live_callback"]
        if not callback:
            upstream = options["upstream"]
            if upstream.startswith("unix:"):
                raise CommandError(
                    "gunicorn listens on a unix socket: give --live-callback http://127.0.0.1:PORT/live/rtmp"
                )
            callback = f"http://{upstream}/live/rtmp"
        ladder = options["live_ladder"] or ",".join(f"{h}:{k}" for h, k in settings.LIVE_LADDER)
        try:
            parse_ladder(ladder)
        except ValueError as exc:
            raise CommandError(f"--live-ladder: {exc}") from exc
        hls_path, record_path = live.hls_root().resolve(), live.record_root().resolve()
        for folder in (hls_path, record_path):
            folder.mkdir(parents=True, exist_ok=True)
        source = f"rtmp://127.0.0.1:{port}/{settings.LIVE_RTMP_APPLICATION}/$name"
        encoder = " ".join(
            [
                options["python"],
                str(Path(settings.BASE_DIR) / "media" / "live_encoder.py"),
                "--input",
                source,
                "--output",
                f"rtmp://127.0.0.1:{port}/hls/$name",
                "--ladder",
                ladder,
                "--segment",
                str(settings.LIVE_SEGMENT_SECONDS),
                "--preset",
                settings.LIVE_X264_PRESET,
                "--ffmpeg",
                shutil.which(settings.FFMPEG_BINARY) or settings.FFMPEG_BINARY,
                "--ffprobe",
                shutil.which(settings.FFPROBE_BINARY) or settings.FFPROBE_BINARY,
                "--log",
                str(output / "live-encoder-$name.log"),
            ]
        )
        return {
            "rtmp_listen": listen,
            "application": settings.LIVE_RTMP_APPLICATION,
            "callback": callback.rstrip("/"),
            "record_path": record_path,
            "hls_path": hls_path,
            "encoder": encoder,
            "segment_seconds": settings.LIVE_SEGMENT_SECONDS,
            "update_seconds": settings.LIVE_UPDATE_SECONDS,
            # Long enough for a player three segments behind the edge, short enough to stay live.
            "playlist_seconds": settings.LIVE_SEGMENT_SECONDS * 10,
        }


def live_hls_root() -> Path:
    from media import live

    return live.hls_root().resolve()


def _size(nbytes: int) -> str:
    """nginx size syntax, rounded up to whole megabytes."""
    return f"{-(-int(nbytes) // (1024 * 1024))}m"
