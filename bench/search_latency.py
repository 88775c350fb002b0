"""Embedded search backend at scale: 100,000 generated lessons on SQLite and on PostgreSQL.

    .venv/bin/python bench/search_latency.py [--docs 100000] [--queries 300]

For each database it measures bulk-index throughput (analysis + writes, documents per second) and
the latency of search.services.search() (ranking, facets, snippets, suggestions) over a mix of
queries. Baselines measured in the same run: a plain bulk insert of the same rows with no analysis
(throughput) and a LIKE '%词%' scan over the same rows (latency), what a site without a full-text
index does. PostgreSQL is used when it answers at 127.0.0.1:5432 (database dangke_search_bench).
Targets: p95 <= 50 ms, >= 2,000 documents/s. A second mix of the harder kinds of issue 13 (pinyin
initials, thesaurus synonyms, spoken questions, filters typed into the query) is timed on the same
index and reported on its own line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国华明红军志强海燕丽娟伟刚秀英桂兰玉梅德胜振兴永军晓东春生立新文杰宏伟国庆爱民淑珍凤霞"
SERIES = ["党课开讲啦·月讲悦听", "精品党课展播", "红色故事汇", "书记讲党课", "老党员讲传统", "青年说"]
ROLES = ["党员领导干部", "基层党组织书记", "先进典型", "老党员、老模范"]
DISTRICTS = ["中山区", "西岗区", "沙河口区", "甘井子区", "旅顺口区", "金州区", "普兰店区", "瓦房店市", "庄河市", "长海县"]
SITES = ["关向应纪念馆", "旅顺日俄监狱旧址", "万忠墓纪念馆", "苏军烈士陵园", "大连革命烈士陵园", "大连中华工学会旧址", "建新公司旧址"]
TOPICS = [
    "三会一课", "主题党日", "两学一做", "不忘初心", "牢记使命", "红色线路", "组织生活会", "民主评议党员",
    "党史学习教育", "基层治理", "网格党组织", "乡村振兴", "雷锋精神", "廉洁自律", "党章党规", "为民服务",
    "志愿服务", "党员先锋岗", "社区党建", "非公企业党建", "红色基因", "革命传统", "作风建设", "调查研究",
]
SENTENCES = [
    "支部书记结合{topic}，讲述了{site}的历史。",
    "{speaker}同志以亲身经历谈{topic}，引导党员坚定理想信念。",
    "本讲围绕{topic}展开，介绍{district}基层党组织的经验做法。",
    "课后，支部组织党员前往{site}开展现场教学。",
    "党员们表示，要把{topic}落实到日常工作中，发挥先锋模范作用。",
    "{district}各社区党组织把{topic}与为民办实事结合起来。",
]


def generate(count: int, seed: int = 7):
    from search.registry import SearchDocument

    rng = random.Random(seed)
    speakers = list({rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)) for _ in range(3000)})
    for i in range(1, count + 1):
        topic, site, district = rng.choice(TOPICS), rng.choice(SITES), rng.choice(DISTRICTS)
        speaker, series = rng.choice(speakers), rng.choice(SERIES)
        body = "".join(
            rng.choice(SENTENCES).format(topic=rng.choice([topic, *rng.sample(TOPICS, 1)]), site=site,
                                         district=district, speaker=speaker)
            for _ in range(rng.randint(3, 6))
        )
        yield SearchDocument(
            doc_type="lesson", pk=i, title=f"{series}第{i}讲：{topic}与{rng.choice(TOPICS)}", url=f"/lessons/{i}/",
            summary=f"{speaker}主讲，{district}。", body=body, fields={"speakers": speaker},
            facets={"series": [series], "speaker_role": [rng.choice(ROLES)], "topic": [topic], "district": [district]},
            published_at=date(2019 + i % 7, 1 + i % 12, 1 + i % 28), suggest=[speaker],
        )


def query_mix(n: int, seed: int = 11) -> list[str]:
    from search.analysis import pinyin_syllables

    rng = random.Random(seed)
    docs = list(generate(2000, seed=7))
    speakers = [d.fields["speakers"] for d in docs]
    traditional = {"三会一课": "三會一課", "组织生活会": "組織生活會", "红色线路": "紅色線路", "关向应纪念馆": "關向應紀念館"}
    makers = [
        lambda: rng.choice(TOPICS),
        lambda: rng.choice(SITES),
        lambda: rng.choice(speakers),
        lambda: "".join(pinyin_syllables(rng.choice(speakers))),
        lambda: f"{rng.choice(TOPICS)} {rng.choice(DISTRICTS)}",
        lambda: rng.choice(list(traditional.values())),
        lambda: f"{rng.choice(speakers)} {rng.choice(TOPICS)}",
        lambda: rng.choice(["党课", "党员", "支部", "书记", "社区"]),
    ]
    return [rng.choice(makers)() for _ in range(n)]


def harder_mix(n: int, seed: int = 13) -> list[str]:
    """The kinds of issue 13: pinyin initials, thesaurus synonyms, spoken questions, typed filters."""
    from search.analysis import initials_of

    rng = random.Random(seed)
    docs = list(generate(2000, seed=7))
    speakers = [d.fields["speakers"] for d in docs]
    makers = [
        lambda: initials_of(rng.choice(speakers)),
        lambda: initials_of(rng.choice(TOPICS)),
        lambda: rng.choice(["两袖清风", "一尘不染", "铁窗", "英烈", "群众", "先锋"]),
        lambda: f"请问{rng.choice(TOPICS)}在{rng.choice(DISTRICTS)}是怎么开展的呢",
        lambda: f"我想听{rng.choice(speakers)}讲的关于{rng.choice(TOPICS)}的党课",
        lambda: f"{2019 + rng.randrange(7)}年老党员讲的{rng.choice(TOPICS)}",
        lambda: f"{rng.choice(SERIES)} {rng.choice(TOPICS)} {rng.choice(DISTRICTS)}",
    ]
    return [rng.choice(makers)() for _ in range(n)]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def child(docs: int, queries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection, transaction
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    setup_test_environment()
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from search import services
        from search.backends import get_search_backend
        from search.models import IndexEntry

        backend = get_search_backend()
        documents = list(generate(docs))
        # Baseline: the same rows bulk-inserted with no analysis and no full-text index.
        started = time.perf_counter()
        with transaction.atomic():
            for start in range(0, len(documents), 1000):
                IndexEntry.objects.bulk_create(
                    IndexEntry(key=f"raw:{d.pk}", doc_type="raw", object_pk=str(d.pk), title=d.title, url=d.url,
                               summary=d.summary, body=d.body, audience="nobody")
                    for d in documents[start : start + 1000]
                )
        raw_rate = len(documents) / (time.perf_counter() - started)

        started = time.perf_counter()
        backend.index_documents(services.learn_names(documents), progress=True)
        rate = len(documents) / (time.perf_counter() - started)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_indexentry; ANALYZE search_facetvalue; ANALYZE search_suggestentry")

        mix = query_mix(queries)
        user = AnonymousUser()
        for query in mix[:20]:  # warm caches, as a running server would be
            services.search(query, user=user)
        latencies, counts = [], []
        for query in mix:
            started = time.perf_counter()
            results = services.search(query, user=user)
            latencies.append((time.perf_counter() - started) * 1000)
            counts.append(results.count)
        harder, harder_counts = [], []
        for query in harder_mix(max(100, queries // 3)):
            started = time.perf_counter()
            results = services.search(query, user=user)
            harder.append((time.perf_counter() - started) * 1000)
            harder_counts.append(results.count)
        like_latencies = []
        for query in mix[:50]:
            word = query.split()[0]
            started = time.perf_counter()
            qs = IndexEntry.objects.filter(doc_type="raw").filter(body__contains=word)
            list(qs.order_by("id")[:10])
            qs.count()
            like_latencies.append((time.perf_counter() - started) * 1000)
        return {
            "database": connection.vendor,
            "docs": len(documents),
            "index_rate": rate,
            "raw_insert_rate": raw_rate,
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies),
            "like_p50": percentile(like_latencies, 50),
            "like_p95": percentile(like_latencies, 95),
            "median_hits": statistics.median(counts),
            "harder_p50": percentile(harder, 50),
            "harder_p95": percentile(harder, 95),
            "harder_max": max(harder),
            "harder_median_hits": statistics.median(harder_counts),
        }
    finally:
        runner.teardown_databases(old)


def postgres_available(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url.replace("/dangke_search_bench", "/postgres"), connect_timeout=2):
            return True
    except Exception:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.docs, args.queries)))
        return
    pg_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/dangke_search_bench")
    runs = [("SQLite", {})]
    if postgres_available(pg_url):
        runs.append(("PostgreSQL", {"DATABASE_URL": pg_url}))
    else:
        print("PostgreSQL not reachable: only SQLite is measured")
    rows = []
    for label, extra_env in runs:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | extra_env
        print(f"— {label}: indexing {args.docs} lessons …", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--docs", str(args.docs), "--queries", str(args.queries)],
            env=env, cwd=ROOT, capture_output=True, text=True,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode or not lines:
            print(f"{label} failed:\n{done.stderr[-3000:]}")
            continue
        result = json.loads(lines[0][7:])
        print(f"  {json.dumps(result)}", flush=True)
        rows.append((label, result))
    print()
    print(f"{'database':<11}{'docs':>8}{'index docs/s':>14}{'raw insert/s':>14}{'ratio':>7}"
          f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'LIKE p50':>10}{'LIKE p95':>10}{'p95 vs LIKE':>13}")
    for label, r in rows:
        print(f"{label:<11}{r['docs']:>8}{r['index_rate']:>14.0f}{r['raw_insert_rate']:>14.0f}"
              f"{r['index_rate'] / r['raw_insert_rate']:>7.2f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
              f"{r['like_p50']:>10.1f}{r['like_p95']:>10.1f}{r['p95'] / r['like_p95']:>13.2f}")
    print("\nharder queries (issue 13: initials, synonyms, questions, typed filters), same index:")
    for label, r in rows:
        print(f"{label:<11}p50 {r['harder_p50']:.1f} ms, p95 {r['harder_p95']:.1f} ms, max {r['harder_max']:.1f} ms"
              f" (median hits {r['harder_median_hits']:.0f})")
    print("\ntargets: p95 <= 50 ms, >= 2000 docs/s;"
          " ratio = indexing rate / plain insert rate; p95 vs LIKE = search p95 / LIKE-scan p95 (lower is better)")
    for label, r in rows:
        ok = r["p95"] <= 50 and r["index_rate"] >= 2000
        print(f"{label}: {'meets' if ok else 'MISSES'} the targets (median hits per query {r['median_hits']:.0f})")


if __name__ == "__main__":
    main()
