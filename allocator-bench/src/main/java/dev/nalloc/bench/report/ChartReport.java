package dev.nalloc.bench.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Bars of relative time and relative memory per workload, one bar per allocator (like
 * mimalloc's published charts), rendered headless to PNG with JFreeChart. Bars are cut at
 * {@link #CUT} so one very slow allocator does not flatten the rest; cut bars are labelled with
 * their real value.
 */
public final class ChartReport {

    public static final double CUT = 4.0;

    private ChartReport() {
    }

    /** The chart object (tests inspect it; {@link #write} renders it). */
    public static JFreeChart chart(BenchReport report) {
        System.setProperty("java.awt.headless", "true");
        Comparison c = report.comparison();
        DefaultCategoryDataset time = new DefaultCategoryDataset();
        DefaultCategoryDataset memory = new DefaultCategoryDataset();
        Map<String, Double> cutTime = new HashMap<>();
        Map<String, Double> cutMemory = new HashMap<>();
        for (String workload : c.workloads()) {
            for (Comparison.Row row : c.rows(workload)) {
                add(time, cutTime, row.relativeTime(), row.record().peer(), workload);
                add(memory, cutMemory, row.relativeMemory(), row.record().peer(), workload);
            }
        }
        CategoryAxis workloads = new CategoryAxis("workload");
        workloads.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(workloads);
        CategoryPlot timePlot = subplot(time, cutTime, "relative time", c);
        plot.add(timePlot, 1);
        plot.add(subplot(memory, cutMemory, "relative peak RSS", c), 1);
        // one legend: the same allocator has the same colour in both halves
        plot.setFixedLegendItems(timePlot.getLegendItems());
        JFreeChart chart = new JFreeChart("Allocators relative to " + c.preferredBaseline()
                + " (= 1.00, lower is better; bars cut at " + CUT + ")", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(report.machine().summary()));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Distinct colours, assigned to allocators in report order (Nalloc first). */
    private static final Color[] PALETTE = {new Color(0xD62728), new Color(0xFF9896), new Color(0x1F77B4),
            new Color(0x2CA02C), new Color(0x9467BD), new Color(0x8C564B), new Color(0x7F7F7F), new Color(0xBCBD22),
            new Color(0x17BECF), new Color(0xFF7F0E), new Color(0xE377C2), new Color(0x393B79)};

    static Color colorOf(Comparison c, String peer) {
        int i = c.peers().indexOf(peer);
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    /** Adds a bar, cut at {@link #CUT}; the true value of a cut bar is kept for its label. */
    private static void add(DefaultCategoryDataset data, Map<String, Double> cut, double value, String peer,
                            String workload) {
        if (Double.isFinite(value)) {
            data.addValue(Math.min(CUT, value), peer, workload);
            if (value > CUT) {
                cut.put(peer + "\u0000" + workload, value);
            }
        }
    }

    /** Labels only the cut bars, with their real value (as mimalloc's charts do). */
    private static final class CutLabels extends StandardCategoryItemLabelGenerator {
        private static final long serialVersionUID = 1L;
        private final Map<String, Double> cut;

        CutLabels(Map<String, Double> cut) {
            this.cut = cut;
        }

        @Override
        public String generateLabel(CategoryDataset dataset, int row, int column) {
            Double real = cut.get(dataset.getRowKey(row) + "\u0000" + dataset.getColumnKey(column));
            return real == null ? null : String.format(Locale.ROOT, "%.1f", real);
        }
    }

    private static CategoryPlot subplot(DefaultCategoryDataset data, Map<String, Double> cut, String label,
                                        Comparison c) {
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(0, CUT);
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        renderer.setDefaultItemLabelGenerator(new CutLabels(cut));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
        renderer.setDefaultItemLabelPaint(Color.BLACK);
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.CENTER,
                TextAnchor.CENTER, TextAnchor.CENTER, -Math.PI / 2)); // vertical, so it fits a narrow bar
        for (int row = 0; row < data.getRowCount(); row++) {
            renderer.setSeriesPaint(row, colorOf(c, data.getRowKey(row).toString()));
        }
        CategoryPlot plot = new CategoryPlot(data, null, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ValueMarker one = new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1.5f));
        plot.addRangeMarker(one);
        return plot;
    }

    public static void write(BenchReport report, Path png) throws IOException {
        int width = Math.max(1000, 140 * Math.max(1, report.comparison().workloads().size()));
        ChartUtils.saveChartAsPNG(png.toFile(), chart(report), width, 800);
    }
}
