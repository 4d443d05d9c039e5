package dev.jgpt.train.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import org.knowm.xchart.style.XYStyler;

/** The look jgpt's XChart charts share: white, thin grid lines, dark grey text. */
final class ChartLook {

    private ChartLook() {}

    /** Applies the shared look, with the chart's own grid and tick label colours. */
    static XYStyler apply(XYStyler styler, Color gridLines, Color tickLabels) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(gridLines);
        styler.setPlotGridLinesStroke(new BasicStroke(0.8f));
        styler.setChartFontColor(Color.DARK_GRAY);
        styler.setAxisTickLabelsColor(tickLabels);
        return styler;
    }
}
