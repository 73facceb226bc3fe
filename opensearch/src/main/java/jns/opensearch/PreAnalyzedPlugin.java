package jns.opensearch;

import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.opensearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.opensearch.index.analysis.PreConfiguredTokenizer;
import org.opensearch.indices.analysis.PreBuiltCacheFactory;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * The "preanalyzed" tokenizer and analyzer: both replay the token stream the
 * value carries (see {@link PreAnalyzedTokenizer}), so a mapping needs no
 * analysis settings: {@code "type": "text", "analyzer": "preanalyzed"}.
 */
public final class PreAnalyzedPlugin extends Plugin implements AnalysisPlugin {

    public static final String NAME = "preanalyzed";

    @Override
    public List<PreConfiguredTokenizer> getPreConfiguredTokenizers() {
        return List.of(PreConfiguredTokenizer.singleton(NAME, PreAnalyzedTokenizer::new));
    }

    @Override
    public List<PreBuiltAnalyzerProviderFactory> getPreBuiltAnalyzerProviderFactories() {
        return List.of(new PreBuiltAnalyzerProviderFactory(NAME, PreBuiltCacheFactory.CachingStrategy.ONE, PreAnalyzedAnalyzer::new));
    }

    /** An analyzer made of the tokenizer alone. */
    static final class PreAnalyzedAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(final String fieldName) {
            return new TokenStreamComponents(new PreAnalyzedTokenizer());
        }
    }
}
