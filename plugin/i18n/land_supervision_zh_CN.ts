<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>LandSupervision</name>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>&lt;p&gt;Overlays the monitoring patches named in a job file on the baselines (permanent basic farmland, farmland, ecological red line, urban development boundary) and the exemptions (approvals, facility-agriculture filings, temporary use), and gives every patch a verdict with its reasons.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Job file&lt;/b&gt;: the YAML file that names the input layers, their fields and the rule set.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output folder&lt;/b&gt;: receives result.gpkg with the layers &lt;i&gt;patches&lt;/i&gt; (one feature per input patch, with its verdict) and &lt;i&gt;overlaps&lt;/i&gt; (the area each patch occupies in each baseline).&lt;/p&gt;</source>
      <translation>&lt;p&gt;将任务文件中指定的监测图斑与管控底线（永久基本农田、耕地、生态保护红线、城镇开发边界）及合法依据（批准用地、设施农用地备案、临时用地）进行叠加分析，逐个图斑给出判定结果及理由。&lt;/p&gt;&lt;p&gt;&lt;b&gt;任务文件&lt;/b&gt;：YAML 文件，指定输入图层、字段对应关系和规则集。&lt;/p&gt;&lt;p&gt;&lt;b&gt;输出文件夹&lt;/b&gt;：写出 result.gpkg，包含图层 &lt;i&gt;patches&lt;/i&gt;（每个输入图斑一个要素，附判定结果）和 &lt;i&gt;overlaps&lt;/i&gt;（各图斑占用各管控底线的面积）。&lt;/p&gt;</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>A Processing provider with the id {0} is already registered.</source>
      <translation>已注册 ID 为 {0} 的处理工具提供者。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Cancelled: nothing was written.</source>
      <translation>已取消，未写出任何结果。</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Enable the Processing plugin to run the analysis.</source>
      <translation>请先启用“处理”(Processing) 插件再运行分析。</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Job file (YAML)</source>
      <translation>任务文件（YAML）</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Job files (*.yaml *.yml)</source>
      <translation>任务文件 (*.yaml *.yml)</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <location filename="../../plugin/processing/provider.py" />
      <source>Land Supervision</source>
      <translation>土地监管</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Patch overlay analysis and violation verdict</source>
      <translation>图斑叠加分析与违法判定</translation>
    </message>
    <message>
      <location filename="../../plugin/plugin.py" />
      <source>Patch overlay analysis and violation verdict…</source>
      <translation>图斑叠加分析与违法判定…</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Patches with verdicts</source>
      <translation>图斑判定结果</translation>
    </message>
    <message>
      <location filename="../../plugin/processing/analyse_algorithm.py" />
      <source>Result GeoPackage</source>
      <translation>结果 GeoPackage</translation>
    </message>
  </context>
</TS>
